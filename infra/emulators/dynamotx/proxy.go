// Package dynamotx fronts a DynamoDB emulator (dynalite) with what it lacks, so that tests and the
// local stack run production's code paths unchanged: the real TransactWriteItems and
// TransactGetItems, the item a failed condition returns, and a table's TTL setting.
//
// A Proxy is an http.Handler that forwards every request to the emulator unchanged, except:
//
//   - A PutItem, UpdateItem or DeleteItem with ReturnValuesOnConditionCheckFailure ALL_OLD holds
//     the lock exclusively; when the emulator answers ConditionalCheckFailedException the proxy
//     reads the item (consistently, before anything else runs) and adds it to the error as
//     DynamoDB does ("Item" beside "__type" and "message"; none when there is no item).
//   - UpdateTimeToLive and DescribeTimeToLive are answered from the proxy's record of each table's
//     TTL attribute (see tableOp); the proxy does not delete expired items.
//
// and TransactWriteItems and TransactGetItems, which it executes itself:
//
//   - Isolation: a transaction holds a lock exclusively; every other request holds it shared while
//     it is forwarded. No write, read or other transaction interleaves with a transaction.
//   - Atomicity: under that lock the proxy reads each item, applies each op as the single-item call
//     with the same condition (PutItem, DeleteItem, UpdateItem; a ConditionCheck re-puts the item it
//     read, or puts and deletes the key of an absent one, under its condition), and if any
//     condition failed restores every item it changed. The emulator itself evaluates conditions and
//     update expressions, so their semantics are its own.
//   - Errors as DynamoDB answers them: more than 100 items, none, or two on one item are a
//     ValidationException; failed conditions are a TransactionCanceledException whose
//     CancellationReasons has one entry per item ("None" or "ConditionalCheckFailed" with its
//     message, and the old item when ReturnValuesOnConditionCheckFailure is ALL_OLD). Any other
//     error of an op (a bad expression, a missing table) is returned as the emulator gave it, after
//     the ops before it are undone.
//
// ClientRequestToken (idempotent retries within 10 minutes) is accepted and ignored. A crash of the
// proxy in the middle of a transaction can leave it partly applied; that is the local stack's risk,
// not production's.
package dynamotx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxItems is the most items one transaction takes (DynamoDB's limit).
const MaxItems = 100

const (
	targetPrefix = "DynamoDB_20120810."
	jsonType     = "application/x-amz-json-1.0"
	// maxRequest bounds a transaction request body (DynamoDB's limit is 4 MB).
	maxRequest = 16 << 20
	// opTimeout bounds one transaction's calls to the emulator, undo included.
	opTimeout = 30 * time.Second
)

// Proxy forwards to a DynamoDB emulator and executes transactions itself. It is safe for
// concurrent use.
type Proxy struct {
	target string
	client *http.Client
	rp     *httputil.ReverseProxy
	mu     sync.RWMutex // transactions hold it exclusively, every other request shared

	ttlMu sync.Mutex
	ttl   map[string]string // table name to its TTL attribute, for tables whose TTL is enabled
}

// New returns a Proxy in front of the emulator at target ("http://127.0.0.1:port").
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("dynamotx: bad target %q", target)
	}
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	p := &Proxy{target: strings.TrimSuffix(target, "/"), client: &http.Client{Transport: tr}, ttl: map[string]string{}}
	p.rp = &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u) },
		Transport: tr,
		// The emulator is down (it is being restarted): answer what the SDK retries.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, http.StatusInternalServerError, "InternalServerError", "emulator unreachable: "+err.Error())
		},
	}
	return p, nil
}

// ServeHTTP forwards r, or executes it when it is an operation the proxy supplies.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	switch op {
	case "TransactWriteItems", "TransactGetItems", "PutItem", "UpdateItem", "DeleteItem",
		"UpdateTimeToLive", "DescribeTimeToLive", "CreateTable", "DeleteTable":
	default:
		p.mu.RLock()
		defer p.mu.RUnlock()
		p.rp.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		writeError(w, http.StatusBadRequest, "SerializationException", "request body unreadable or over 16 MB")
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), opTimeout)
	defer cancel()
	c := &call{p: p, ctx: ctx, auth: r.Header.Get("Authorization"), date: r.Header.Get("X-Amz-Date")}
	var res *result
	switch op {
	case "TransactWriteItems", "TransactGetItems":
		p.mu.Lock()
		defer p.mu.Unlock()
		if op == "TransactWriteItems" {
			res = c.transactWrite(body)
		} else {
			res = c.transactGet(body)
		}
	case "PutItem", "UpdateItem", "DeleteItem":
		if !wantsOldItem(body) {
			r.Body = io.NopCloser(bytes.NewReader(body))
			p.mu.RLock()
			defer p.mu.RUnlock()
			p.rp.ServeHTTP(w, r)
			return
		}
		// The write and the read of the item its condition failed on are one step: no other
		// request runs between them.
		p.mu.Lock()
		defer p.mu.Unlock()
		res = c.writeReturningOld(op, body)
	default: // the table's TTL setting, which the proxy keeps
		p.mu.RLock()
		defer p.mu.RUnlock()
		res = c.tableOp(op, body)
	}
	res.write(w)
}

// result is an answer to the client: a status and a JSON body.
type result struct {
	status int
	body   []byte
}

// write sends res with DynamoDB's headers; the SDK checks the body against X-Amz-Crc32 (and
// complains when it is missing).
func (res *result) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", jsonType)
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(res.body)), 10))
	w.WriteHeader(res.status)
	w.Write(res.body)
}

func ok(v any) *result {
	b, err := json.Marshal(v)
	if err != nil {
		return failure(http.StatusInternalServerError, "InternalServerError", err.Error())
	}
	return &result{status: http.StatusOK, body: b}
}

// failure is an error answer in DynamoDB's shape.
func failure(status int, code, msg string) *result {
	b, _ := json.Marshal(map[string]string{"__type": errorNamespace(code) + code, "message": msg})
	return &result{status: status, body: b}
}

func errorNamespace(code string) string {
	switch code {
	case "ValidationException":
		return "com.amazon.coral.validate#"
	case "SerializationException":
		return "com.amazon.coral.service#"
	}
	return "com.amazonaws.dynamodb.v20120810#"
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	failure(status, code, msg).write(w)
}

// emulatorError is an error answer from the emulator, passed on to the client as it came.
type emulatorError struct {
	status int
	body   []byte
	code   string // the part of __type after '#'
}

func (e *emulatorError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.body) }

func (e *emulatorError) result() *result { return &result{status: e.status, body: e.body} }

func conditionFailed(err error) bool {
	var ee *emulatorError
	return errors.As(err, &ee) && ee.code == "ConditionalCheckFailedException"
}

// call is one transaction's conversation with the emulator, signed with the client's headers (the
// emulator checks that they are present, not what they sign).
type call struct {
	p          *Proxy
	ctx        context.Context
	auth, date string
}

// do sends op with in to the emulator and decodes a 200 answer into out (which may be nil).
func (c *call) do(op string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	body, err := c.send(op, b)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", op, err)
	}
	return nil
}

// send sends op with the JSON request body in to the emulator and returns its 200 answer's body;
// any other answer is an *emulatorError.
func (c *call) send(op string, in []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, c.p.target+"/", bytes.NewReader(in))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", jsonType)
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("X-Amz-Date", c.date)
	resp, err := c.p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: read answer: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type string `json:"__type"`
		}
		json.Unmarshal(body, &e)
		_, code, _ := strings.Cut(e.Type, "#")
		return nil, &emulatorError{status: resp.StatusCode, body: body, code: code}
	}
	return body, nil
}

// item is an item or key in DynamoDB's JSON: attribute name to typed value.
type item = map[string]json.RawMessage

// keySchema returns the names of table's key attributes.
func (c *call) keySchema(table string) ([]string, error) {
	var out struct {
		Table struct {
			KeySchema []struct{ AttributeName string }
		}
	}
	if err := c.do("DescribeTable", map[string]string{"TableName": table}, &out); err != nil {
		return nil, err
	}
	names := make([]string, len(out.Table.KeySchema))
	for i, k := range out.Table.KeySchema {
		names[i] = k.AttributeName
	}
	return names, nil
}

// getItem reads the item at key, consistently; nil when there is none.
func (c *call) getItem(table string, key item) (item, error) {
	var out struct{ Item item }
	err := c.do("GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true}, &out)
	return out.Item, err
}

// identity is a canonical text for table and key, to find two ops on one item.
func identity(table string, key item) (string, error) {
	names := make([]string, 0, len(key))
	for n := range key {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(table)
	for _, n := range names {
		var v map[string]any
		if err := json.Unmarshal(key[n], &v); err != nil {
			return "", fmt.Errorf("key attribute %s: %w", n, err)
		}
		canon, _ := json.Marshal(v) // map keys sorted
		fmt.Fprintf(&b, "\x00%s=%s", n, canon)
	}
	return b.String(), nil
}
