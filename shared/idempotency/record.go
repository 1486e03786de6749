package idempotency

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// Record states.
const (
	statePending = "pending"
	stateDone    = "done"
	stateFree    = "free" // written already expired: the request failed and the key is free
)

// record is what the table keeps per key.
type record struct {
	State       string            `dynamodbav:"state"`
	Fingerprint string            `dynamodbav:"fp"` // sha256 of method, path and body
	Status      int               `dynamodbav:"status,omitempty"`
	Body        string            `dynamodbav:"body,omitempty"` // the response body as JSON, secrets removed; "" for none
	Headers     map[string]string `dynamodbav:"headers,omitempty"`
	Omitted     []string          `dynamodbav:"omitted,omitempty"` // JSON pointers of the secrets removed from Body
	CreatedAt   time.Time         `dynamodbav:"created_at"`
}

// validKey reports whether k is 1–255 printable ASCII characters.
func validKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// fingerprint identifies a request for comparing a retry with the first: same method, path and
// body bytes.
func fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// render turns resp into the record to store (its route's secrets removed) and the response to
// answer the first request with: the same JSON bytes a replay gets, secrets included.
func (s *slot) render(resp httpapi.Response) (record, httpapi.Response, error) {
	rec := record{State: stateDone, Fingerprint: s.fp, Status: resp.Status, Headers: resp.Headers, CreatedAt: s.created}
	first := httpapi.Response{Status: resp.Status, Headers: resp.Headers}
	if resp.Body == nil {
		return rec, first, nil
	}
	b, err := httpapi.Marshal(resp.Body)
	if err != nil {
		return record{}, httpapi.Response{}, fmt.Errorf("idempotency: encode response: %w", err)
	}
	first.Body = json.RawMessage(b)
	kept, omitted, err := withoutSecrets(b, s.route.Secrets)
	if err != nil {
		return record{}, httpapi.Response{}, err
	}
	if len(kept) > MaxStoredBody {
		return record{}, httpapi.Response{}, httpapi.Errorf(kindResponseTooLarge, "the response is %d bytes; at most %d are kept for replay; retry without %s", len(kept), MaxStoredBody, Header)
	}
	rec.Body, rec.Omitted = string(kept), omitted
	return rec, first, nil
}

// response rebuilds the stored response; replayed marks it with Idempotent-Replayed.
func (rec record) response(replayed bool) httpapi.Response {
	resp := httpapi.Response{Status: rec.Status, Headers: map[string]string{}}
	for name, v := range rec.Headers {
		resp.Headers[name] = v
	}
	if replayed {
		resp.Headers[ReplayedHeader] = "true"
	}
	if len(rec.Omitted) > 0 {
		resp.Headers[OmittedHeader] = strings.Join(rec.Omitted, ",")
	}
	if rec.Body != "" {
		resp.Body = json.RawMessage(rec.Body)
	}
	return resp
}

// withoutSecrets removes the fields at pointers from the JSON document b and reports which were
// there. Without any to remove it returns b itself.
func withoutSecrets(b []byte, pointers []string) ([]byte, []string, error) {
	if len(pointers) == 0 {
		return b, nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers come back as written
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("idempotency: read response: %w", err)
	}
	var omitted []string
	for _, p := range pointers {
		if remove(doc, p) {
			omitted = append(omitted, p)
		}
	}
	if len(omitted) == 0 {
		return b, nil, nil
	}
	out, err := httpapi.Marshal(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("idempotency: encode response: %w", err)
	}
	return out, omitted, nil
}

// remove deletes the member at JSON pointer p (RFC 6901) from doc and reports whether it was there.
func remove(doc any, p string) bool {
	parts, ok := jsonptr.Split(p)
	if !ok {
		return false
	}
	cur := doc
	for i, part := range parts {
		last := i == len(parts)-1
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[part]
			if !ok {
				return false
			}
			if last {
				delete(v, part)
				return true
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(part)
			if err != nil || n < 0 || n >= len(v) || last {
				return false // array elements are not secrets on their own
			}
			cur = v[n]
		default:
			return false
		}
	}
	return false
}
