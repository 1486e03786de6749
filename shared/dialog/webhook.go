package dialog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/egress"
	"github.com/lingxi/lingxi/shared/webhooks"
)

// Webhook request headers.
const (
	// HeaderTimestamp carries the Unix time (seconds) the request was
	// signed at.
	HeaderTimestamp = webhooks.HeaderTimestamp
	// HeaderSignature carries "v1=" and the lower-case hex HMAC-SHA256 of
	// timestamp + "." + body under the tenant's webhook secret. More than
	// one signature may come, separated by commas, while a secret rotates.
	HeaderSignature = webhooks.HeaderSignature
	// HeaderIdempotencyKey is the same for every attempt of one webhook
	// step in one turn, so the tenant's system can drop repeats.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// maxResponseBytes bounds a webhook response body.
const maxResponseBytes = 64 << 10

// WebhookPayload is the JSON body of a webhook request.
type WebhookPayload struct {
	// FlowID, FlowVersion and Step name the webhook step calling.
	FlowID      string `json:"flow_id"`
	FlowVersion int    `json:"flow_version"`
	Step        string `json:"step"`
	// ConversationID and CustomerID come from the conversation's start.
	ConversationID string `json:"conversation_id"`
	CustomerID     string `json:"customer_id,omitempty"`
	// Lang is the conversation's language.
	Lang Lang `json:"lang"`
	// Slots holds the step's selected slots that have values.
	Slots map[string]string `json:"slots"`
}

// Sign returns the HeaderSignature value for a request body signed at
// timestamp (decimal Unix seconds): "v1=" + hex(HMAC-SHA256(secret,
// timestamp + "." + body)). It is shared/webhooks' scheme, which the
// partners' event webhooks use too.
func Sign(secret []byte, timestamp string, body []byte) string {
	return webhooks.Sign(secret, timestamp, body)
}

// VerifySignature checks a webhook request the way a tenant's receiver
// should: timestamp is the X-Lingxi-Timestamp header, body the raw request
// body (before any JSON decoding), header the X-Lingxi-Signature header.
// It returns an error matching ErrTimestamp when the timestamp is not
// within tolerance of now (replays), and one matching ErrSignature when no
// v1 signature in header matches. Comparison is in constant time
// (shared/webhooks.VerifyAt, whose errors it wraps too).
//
//	err := dialog.VerifySignature(secret, r.Header.Get(dialog.HeaderTimestamp), body,
//		r.Header.Get(dialog.HeaderSignature), time.Now(), 5*time.Minute)
func VerifySignature(secret []byte, timestamp string, body []byte, header string, now time.Time, tolerance time.Duration) error {
	err := webhooks.VerifyAt([][]byte{secret}, timestamp, header, body, now, tolerance)
	switch {
	case errors.Is(err, webhooks.ErrTimestamp):
		return fmt.Errorf("%w: %w", ErrTimestamp, err)
	case errors.Is(err, webhooks.ErrSignature):
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return err
}

// WebhookCall is one webhook step's request as the engine makes it (StartWith and TurnWith
// return it in a *WebhookNeeded; Call sends it). Key names the call: the same step of the same
// turn of one conversation always has the same key, which is its Idempotency-Key too.
type WebhookCall struct {
	Key string
	// FlowID, Step and ConversationID say whose call it is (for logs).
	FlowID, Step, ConversationID string
	URL                          string
	Body                         []byte // the JSON WebhookPayload
	// Result maps slots to the response fields the step reads (Step.Result).
	Result  map[string]string
	Timeout time.Duration // per attempt
	Retries int
}

// WebhookResult is how a webhook call ended: OK with a 2xx response's body, or failed (refused,
// a non-2xx answer, no answer within the attempts, or a body the step's result cannot read).
type WebhookResult struct {
	OK   bool
	Body []byte
}

// Webhooks holds the results of a turn's webhook calls by WebhookCall.Key.
type Webhooks map[string]WebhookResult

// WebhookNeeded is the error StartWith and TurnWith return when the flow reaches a webhook step
// whose call has no result yet: make the call (Engine.Call), add its result under Call.Key and
// run the same StartWith or TurnWith again.
type WebhookNeeded struct{ Call WebhookCall }

func (e *WebhookNeeded) Error() string {
	return fmt.Sprintf("dialog: webhook %s of flow %s needs calling", e.Call.Step, e.Call.FlowID)
}

// webhookCall builds the call of webhook step s (no I/O).
func webhookCall(f *Flow, st *State, s *Step) (WebhookCall, error) {
	p := WebhookPayload{
		FlowID: f.ID, FlowVersion: f.Version, Step: s.ID,
		ConversationID: st.ConversationID, CustomerID: st.CustomerID, Lang: st.Lang,
		Slots: map[string]string{},
	}
	for _, name := range s.Slots {
		if v, ok := st.Slots[name]; ok {
			p.Slots[name] = v
		}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return WebhookCall{}, fmt.Errorf("webhook %s: encode body: %w", s.ID, err)
	}
	sum := sha256.Sum256([]byte(f.ID + "\x00" + strconv.Itoa(f.Version) + "\x00" + st.ConversationID + "\x00" + s.ID + "\x00" + strconv.Itoa(st.Turns)))
	c := WebhookCall{
		Key: hex.EncodeToString(sum[:16]), FlowID: f.ID, Step: s.ID, ConversationID: st.ConversationID,
		URL: s.URL, Body: body, Result: s.Result,
		Timeout: time.Duration(defaultTimeoutMS) * time.Millisecond, Retries: defaultRetries,
	}
	if s.TimeoutMS != nil {
		c.Timeout = time.Duration(*s.TimeoutMS) * time.Millisecond
	}
	if s.Retries != nil {
		c.Retries = *s.Retries
	}
	return c, nil
}

// webhook runs a webhook step on its result: it reports whether the call succeeded (its result
// mapped into the slots); without a result in done it returns a *WebhookNeeded.
func webhook(f *Flow, st *State, s *Step, done Webhooks) (bool, error) {
	c, err := webhookCall(f, st, s)
	if err != nil {
		return false, err
	}
	res, ok := done[c.Key]
	if !ok {
		return false, &WebhookNeeded{Call: c}
	}
	return res.OK && mapResult(s.Result, res.Body, st.Slots) == nil, nil
}

// Call sends a webhook call, signed, with its retries: the I/O of a webhook step. The result is
// failed when the URL is refused (the engine's egress policy), the engine has no HTTP client or
// secret, no attempt got a 2xx answer, or the answer does not hold what the step's result reads.
// Only a done ctx is an error.
func (e *Engine) Call(ctx context.Context, c WebhookCall) (WebhookResult, error) {
	log := e.log.With("flow", c.FlowID, "step", c.Step, "conversation", c.ConversationID)
	u, err := url.Parse(c.URL)
	if err != nil {
		log.Error("webhook refused", "reason", "bad url")
		return WebhookResult{}, nil
	}
	if err := e.urlAllowed(u); err != nil {
		log.Error("webhook refused", "host", u.Host, "reason", err.Error())
		return WebhookResult{}, nil
	}
	if e.cfg.HTTP == nil || len(e.cfg.WebhookSecret) == 0 {
		log.Error("webhook refused", "reason", "engine has no HTTP client or webhook secret")
		return WebhookResult{}, nil
	}
	for attempt := 1; attempt <= c.Retries+1; attempt++ {
		if attempt > 1 {
			if err := sleep(ctx, e.backoff(attempt-1)); err != nil {
				return WebhookResult{}, fmt.Errorf("webhook %s: %w", c.Step, err)
			}
		}
		start := time.Now()
		status, data, err := e.attempt(ctx, u, c.Body, c.Key, attempt, c.Timeout)
		if ctx.Err() != nil {
			return WebhookResult{}, fmt.Errorf("webhook %s: %w", c.Step, context.Cause(ctx))
		}
		attrs := []any{"host", u.Host, "attempt", attempt, "status", status, "ms", time.Since(start).Milliseconds()}
		switch {
		case err != nil:
			log.Warn("webhook attempt failed", append(attrs, "error", err.Error())...)
			continue
		case status >= 500:
			log.Warn("webhook attempt failed", attrs...)
			continue
		case status < 200 || status > 299:
			log.Warn("webhook failed", attrs...)
			return WebhookResult{}, nil
		}
		if err := mapResult(c.Result, data, map[string]string{}); err != nil {
			log.Warn("webhook response unusable", append(attrs, "error", err.Error())...)
			return WebhookResult{}, nil
		}
		log.Info("webhook succeeded", attrs...)
		return WebhookResult{OK: true, Body: data}, nil
	}
	log.Warn("webhook failed after retries", "host", u.Host, "attempts", c.Retries+1)
	return WebhookResult{}, nil
}

// attempt sends one signed request and reads the response, all within
// timeout.
func (e *Engine) attempt(ctx context.Context, u *url.URL, body []byte, key string, n int, timeout time.Duration) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	ts := strconv.FormatInt(e.cfg.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lingxi-Webhook/1")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(e.cfg.WebhookSecret, ts, body))
	req.Header.Set(HeaderIdempotencyKey, key)
	req.Header.Set("X-Lingxi-Attempt", strconv.Itoa(n))
	resp, err := e.cfg.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read response: %w", err)
	}
	if len(data) > maxResponseBytes {
		return resp.StatusCode, nil, fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	return resp.StatusCode, data, nil
}

// urlAllowed applies the save-time rules again (the flow may predate them) and, for a host that
// is an IP address, the engine's egress policy (CheckURL). Where a host name leads, "localhost"
// included, is for the Doer's dialer to decide after resolution (egress.Dialer in production).
func (e *Engine) urlAllowed(u *url.URL) error {
	if err := checkWebhookURL(u.String()); err != nil {
		return err
	}
	if _, err := netip.ParseAddr(u.Hostname()); err != nil {
		return nil
	}
	return CheckURL(e.cfg.Egress, u)
}

// CheckURL applies egress policy p to a webhook URL whose host is an IP address or "localhost"
// (taken as 127.0.0.1), with the URL's port: the api function calls it when a flow is saved, the
// engine before it dials. Other host names pass: their addresses are judged when dialled.
func CheckURL(p egress.Policy, u *url.URL) error {
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if ps := u.Port(); ps != "" {
		if port, err = strconv.Atoi(ps); err != nil || port < 1 || port > 65535 {
			return fmt.Errorf("bad port %q", ps)
		}
	}
	return p.Allow(netip.AddrPortFrom(a, uint16(port)))
}

// checkWebhookURL is the save-time check of a webhook step's url (ParseFlow): an absolute https
// URL without credentials whose host passes egress.CheckHost, or http to a loopback host (the
// local stack's demo bank; which loopback ports may be dialled is the egress policy's call).
func checkWebhookURL(raw string) error {
	if len(raw) > maxURLLen {
		return fmt.Errorf("longer than %d characters", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return errors.New("want an absolute https URL")
	}
	if u.User != nil {
		return errors.New("must not hold a user name or password")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return errors.New("want an absolute https URL")
	}
	kind, err := egress.CheckHost(u.Hostname())
	if re, ok := errors.AsType[*egress.RefusedError](err); ok {
		return fmt.Errorf("must not point at a non-public address (%s is %s)", re.Addr, re.Reason)
	}
	if err != nil {
		return err
	}
	if u.Scheme == "http" && kind != egress.HostLoopback {
		return errors.New("must be https")
	}
	return nil
}

func (e *Engine) backoff(retry int) time.Duration {
	d := e.cfg.RetryBackoff << (retry - 1)
	d = min(d, 2*time.Second)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// mapResult copies the response fields named in result into slots. A
// field that is absent or null clears its slot; objects and lists are
// stored as compact JSON.
func mapResult(result map[string]string, data []byte, slots map[string]string) error {
	if len(result) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return errors.New("response is not a JSON object")
	}
	for slot, path := range result {
		v, ok := lookup(doc, path)
		var s string
		switch t := v.(type) {
		case nil:
			ok = false
		case string:
			s = t
		case json.Number:
			s = t.String()
		case bool:
			s = strconv.FormatBool(t)
		default:
			b, _ := json.Marshal(t)
			s = string(b)
		}
		if !ok {
			delete(slots, slot)
			continue
		}
		slots[slot] = clip(s)
	}
	return nil
}

// lookup follows a dotted path through objects (and list indexes).
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for key := range strings.SplitSeq(path, ".") {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[key]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// CheckWebhookURL is the save-time check of every webhook URL a tenant stores (a flow's webhook
// step, a partner's event-webhook endpoint): an absolute https URL without credentials whose host
// passes egress.CheckHost, or http to a loopback host. Which loopback ports may be dialled is the
// egress policy's call (CheckURL).
func CheckWebhookURL(raw string) error { return checkWebhookURL(raw) }
