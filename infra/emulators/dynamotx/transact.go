package dynamotx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// op is the body of one transaction item, in DynamoDB's JSON (Put, Delete, Update or
// ConditionCheck; Get for TransactGetItems).
type op struct {
	TableName                           string
	Item                                item              `json:",omitempty"`
	Key                                 item              `json:",omitempty"`
	UpdateExpression                    string            `json:",omitempty"`
	ConditionExpression                 string            `json:",omitempty"`
	ProjectionExpression                string            `json:",omitempty"`
	ExpressionAttributeNames            map[string]string `json:",omitempty"`
	ExpressionAttributeValues           item              `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure string            `json:",omitempty"`
}

type writeItem struct {
	Put, Delete, Update, ConditionCheck *op
}

// kind returns which op w is and its body; "" when it is not exactly one.
func (w writeItem) kind() (string, *op) {
	var name string
	var body *op
	for _, c := range []struct {
		name string
		body *op
	}{{"Put", w.Put}, {"Delete", w.Delete}, {"Update", w.Update}, {"ConditionCheck", w.ConditionCheck}} {
		if c.body == nil {
			continue
		}
		if body != nil {
			return "", nil
		}
		name, body = c.name, c.body
	}
	return name, body
}

// reason is one entry of CancellationReasons.
type reason struct {
	Code    string
	Message string `json:",omitempty"`
	Item    item   `json:",omitempty"`
}

// pending is one validated write of a transaction.
type pending struct {
	kind    string
	op      *op
	key     item
	prior   item // the item before the transaction; nil if absent
	applied bool // the op changed the item, so undo must restore prior
}

func validation(format string, args ...any) *result {
	return failure(http.StatusBadRequest, "ValidationException", fmt.Sprintf(format, args...))
}

// transactWrite executes a TransactWriteItems request. The caller holds the lock exclusively.
func (c *call) transactWrite(body []byte) *result {
	var in struct {
		TransactItems      []writeItem
		ClientRequestToken string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return failure(http.StatusBadRequest, "SerializationException", err.Error())
	}
	if n := len(in.TransactItems); n == 0 || n > MaxItems {
		return validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to %d and greater than or equal to 1", MaxItems)
	}
	ops := make([]*pending, len(in.TransactItems))
	seen := map[string]bool{}
	schemas := map[string][]string{}
	for i, ti := range in.TransactItems {
		kind, o := ti.kind()
		if o == nil {
			return validation("TransactItems[%d] must have exactly one of Put, Delete, Update or ConditionCheck", i)
		}
		if o.TableName == "" {
			return validation("TransactItems[%d].%s: TableName is required", i, kind)
		}
		if kind == "ConditionCheck" && o.ConditionExpression == "" {
			return validation("TransactItems[%d].ConditionCheck: ConditionExpression is required", i)
		}
		key := o.Key
		if kind == "Put" {
			names, ok := schemas[o.TableName]
			if !ok {
				var err error
				if names, err = c.keySchema(o.TableName); err != nil {
					return emulatorResult(err)
				}
				schemas[o.TableName] = names
			}
			key = item{}
			for _, n := range names {
				v, ok := o.Item[n]
				if !ok {
					return validation("One or more parameter values were invalid: Missing the key %s in the item", n)
				}
				key[n] = v
			}
		}
		if len(key) == 0 {
			return validation("TransactItems[%d].%s: Key is required", i, kind)
		}
		id, err := identity(o.TableName, key)
		if err != nil {
			return validation("TransactItems[%d].%s: %v", i, kind, err)
		}
		if seen[id] {
			return validation("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		ops[i] = &pending{kind: kind, op: o, key: key}
	}
	for _, p := range ops {
		prior, err := c.getItem(p.op.TableName, p.key)
		if err != nil {
			return emulatorResult(err)
		}
		p.prior = prior
	}

	reasons := make([]reason, len(ops))
	cancelled := false
	for i, p := range ops {
		err := c.apply(p)
		switch {
		case err == nil:
			reasons[i] = reason{Code: "None"}
		case conditionFailed(err):
			cancelled = true
			reasons[i] = reason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
			if p.op.ReturnValuesOnConditionCheckFailure == "ALL_OLD" {
				reasons[i].Item = p.prior
			}
		default:
			if uerr := c.undo(ops); uerr != nil {
				return failure(http.StatusInternalServerError, "InternalServerError", fmt.Sprintf("op %d failed (%v) and undoing the ops before it failed: %v", i, err, uerr))
			}
			return emulatorResult(err)
		}
	}
	if !cancelled {
		return ok(struct{}{})
	}
	if err := c.undo(ops); err != nil {
		return failure(http.StatusInternalServerError, "InternalServerError", "undo a cancelled transaction: "+err.Error())
	}
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r.Code
	}
	b, _ := json.Marshal(struct {
		Type                string `json:"__type"`
		Message             string
		CancellationReasons []reason
	}{
		Type:                errorNamespace("TransactionCanceledException") + "TransactionCanceledException",
		Message:             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		CancellationReasons: reasons,
	})
	return &result{status: http.StatusBadRequest, body: b}
}

// emulatorResult passes an emulator's error answer on, or reports a failure to reach it.
func emulatorResult(err error) *result {
	if ee, ok := err.(*emulatorError); ok {
		return ee.result()
	}
	return failure(http.StatusInternalServerError, "InternalServerError", err.Error())
}

// apply runs p as its single-item call, with its condition.
func (c *call) apply(p *pending) error {
	o := p.op
	in := map[string]any{"TableName": o.TableName}
	if o.ConditionExpression != "" {
		in["ConditionExpression"] = o.ConditionExpression
	}
	if len(o.ExpressionAttributeNames) > 0 {
		in["ExpressionAttributeNames"] = o.ExpressionAttributeNames
	}
	if len(o.ExpressionAttributeValues) > 0 {
		in["ExpressionAttributeValues"] = o.ExpressionAttributeValues
	}
	var err error
	switch p.kind {
	case "Put":
		in["Item"] = o.Item
		err = c.do("PutItem", in, nil)
	case "Delete":
		in["Key"] = p.key
		err = c.do("DeleteItem", in, nil)
	case "Update":
		in["Key"] = p.key
		if o.UpdateExpression != "" {
			in["UpdateExpression"] = o.UpdateExpression
		}
		err = c.do("UpdateItem", in, nil)
	case "ConditionCheck":
		// Evaluate the condition by writing back what is there (or the bare key, then removing it).
		if p.prior != nil {
			in["Item"] = p.prior
			return c.do("PutItem", in, nil) // unchanged: nothing to undo
		}
		in["Item"] = p.key
		if err := c.do("PutItem", in, nil); err != nil {
			return err
		}
		return c.do("DeleteItem", map[string]any{"TableName": o.TableName, "Key": p.key}, nil)
	}
	if err == nil {
		p.applied = true
	}
	return err
}

// undo restores every applied op's item to what it was, newest first. Nothing else writes while
// the lock is held, so plain puts and deletes suffice.
func (c *call) undo(ops []*pending) error {
	for i := len(ops) - 1; i >= 0; i-- {
		p := ops[i]
		if !p.applied {
			continue
		}
		var err error
		if p.prior == nil {
			err = c.do("DeleteItem", map[string]any{"TableName": p.op.TableName, "Key": p.key}, nil)
		} else {
			err = c.do("PutItem", map[string]any{"TableName": p.op.TableName, "Item": p.prior}, nil)
		}
		if err != nil {
			return fmt.Errorf("restore op %d (%s on %s): %w", i, p.kind, p.op.TableName, err)
		}
		p.applied = false
	}
	return nil
}

// transactGet executes a TransactGetItems request: every Get reads under the exclusive lock, so
// they see one state. The caller holds the lock exclusively.
func (c *call) transactGet(body []byte) *result {
	var in struct {
		TransactItems []struct{ Get *op }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return failure(http.StatusBadRequest, "SerializationException", err.Error())
	}
	if n := len(in.TransactItems); n == 0 || n > MaxItems {
		return validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to %d and greater than or equal to 1", MaxItems)
	}
	type response struct {
		Item item `json:",omitempty"`
	}
	out := struct{ Responses []response }{Responses: make([]response, len(in.TransactItems))}
	for i, ti := range in.TransactItems {
		g := ti.Get
		if g == nil || g.TableName == "" || len(g.Key) == 0 {
			return validation("TransactItems[%d]: Get with TableName and Key is required", i)
		}
		get := map[string]any{"TableName": g.TableName, "Key": g.Key, "ConsistentRead": true}
		if g.ProjectionExpression != "" {
			get["ProjectionExpression"] = g.ProjectionExpression
		}
		if len(g.ExpressionAttributeNames) > 0 {
			get["ExpressionAttributeNames"] = g.ExpressionAttributeNames
		}
		var res struct{ Item item }
		if err := c.do("GetItem", get, &res); err != nil {
			return emulatorResult(err)
		}
		out.Responses[i].Item = res.Item
	}
	return ok(out)
}
