package dynamotx

import (
	"encoding/json"
	"net/http"
)

// tableOp executes UpdateTimeToLive and DescribeTimeToLive, which the proxy answers from its own
// record of each table's TTL setting (dynalite has no UpdateTimeToLive and describes every table's
// TTL as DISABLED), and forwards CreateTable and DeleteTable, forgetting the TTL setting of a table
// either one succeeds on. The proxy does not expire items: on the local stack devstack's sweeper
// deletes them. Its record lives as long as the proxy; a table outliving it (dynalite's data kept
// on disk) has TTL off again until it is turned on again.
func (c *call) tableOp(op string, body []byte) *result {
	var in struct {
		TableName               string
		TimeToLiveSpecification *struct {
			AttributeName string
			Enabled       *bool
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return failure(http.StatusBadRequest, "SerializationException", err.Error())
	}
	switch op {
	case "CreateTable", "DeleteTable":
		answer, err := c.send(op, body)
		if err != nil {
			return emulatorResult(err)
		}
		c.p.forgetTTL(in.TableName)
		return &result{status: http.StatusOK, body: answer}
	}
	if in.TableName == "" {
		return validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	if err := c.do("DescribeTable", map[string]string{"TableName": in.TableName}, nil); err != nil {
		return emulatorResult(err) // ResourceNotFoundException for a missing table
	}
	if op == "DescribeTimeToLive" {
		desc := map[string]string{"TimeToLiveStatus": "DISABLED"}
		if attr := c.p.ttlOf(in.TableName); attr != "" {
			desc = map[string]string{"TimeToLiveStatus": "ENABLED", "AttributeName": attr}
		}
		return ok(map[string]any{"TimeToLiveDescription": desc})
	}
	spec := in.TimeToLiveSpecification
	if spec == nil || spec.AttributeName == "" || spec.Enabled == nil {
		return validation("1 validation error detected: TimeToLiveSpecification must have AttributeName and Enabled")
	}
	c.p.ttlMu.Lock()
	defer c.p.ttlMu.Unlock()
	cur := c.p.ttl[in.TableName]
	switch {
	case *spec.Enabled && cur != "":
		return validation("TimeToLive is already enabled")
	case !*spec.Enabled && cur == "":
		return validation("TimeToLive is already disabled")
	case !*spec.Enabled && cur != spec.AttributeName:
		return validation("TimeToLive is active on a different AttributeName: current AttributeName is %s", cur)
	case *spec.Enabled:
		c.p.ttl[in.TableName] = spec.AttributeName
	default:
		delete(c.p.ttl, in.TableName)
	}
	return ok(map[string]any{"TimeToLiveSpecification": spec})
}

// ttlOf returns table's TTL attribute; "" when its TTL is off.
func (p *Proxy) ttlOf(table string) string {
	p.ttlMu.Lock()
	defer p.ttlMu.Unlock()
	return p.ttl[table]
}

// forgetTTL records that table's TTL is off.
func (p *Proxy) forgetTTL(table string) {
	p.ttlMu.Lock()
	defer p.ttlMu.Unlock()
	delete(p.ttl, table)
}
