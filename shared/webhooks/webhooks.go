// Package webhooks is the signature scheme of every webhook Lingxi sends — a flow's webhook step
// (shared/dialog) and the event webhooks of partners (shared/webhooks/delivery) — and the helper a
// receiver checks a request with (Verify).
//
// A request carries the header X-Lingxi-Timestamp (decimal Unix seconds it was signed at) and
// X-Lingxi-Signature: one or more "v1=<hex>" values separated by commas, each the lower-case hex
// HMAC-SHA256 of timestamp + "." + raw body under one of the endpoint's secrets. While a secret is
// being rotated both the new and the old secret sign, so a receiver that knows either accepts.
//
// This package imports nothing of Lingxi's but the standard library, so a partner's receiver can
// depend on it alone.
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Request headers.
const (
	// HeaderTimestamp carries the Unix time (seconds) the request was signed at.
	HeaderTimestamp = "X-Lingxi-Timestamp"
	// HeaderSignature carries the "v1=" signatures, comma-separated.
	HeaderSignature = "X-Lingxi-Signature"
)

// DefaultTolerance is how far from now a timestamp may be by default (replay protection).
const DefaultTolerance = 5 * time.Minute

var (
	// ErrSignature is returned when the signature header is missing, malformed, or no signature in
	// it matches any of the secrets.
	ErrSignature = errors.New("webhooks: signature mismatch")
	// ErrTimestamp is returned when the timestamp is not a Unix time within the tolerance of now.
	ErrTimestamp = errors.New("webhooks: timestamp outside tolerance")
)

// Sign returns one signature: "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// SignAll returns the HeaderSignature value of body signed at timestamp under every secret, in
// order, separated by commas.
func SignAll(secrets [][]byte, timestamp string, body []byte) string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sigs = append(sigs, Sign(s, timestamp, body))
	}
	return strings.Join(sigs, ",")
}

// Verify checks a received request: h its headers, body the raw body (before any JSON decoding),
// secrets the endpoint's secret or secrets (pass the old and the new one while you roll yours
// over). It returns nil when the timestamp is within tolerance of now and a v1 signature matches
// one of the secrets; else an error matching ErrTimestamp or ErrSignature. Comparison is in
// constant time. A tolerance of 0 means DefaultTolerance.
func Verify(secrets []string, h http.Header, body []byte, tolerance time.Duration) error {
	bs := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		bs = append(bs, []byte(s))
	}
	return VerifyAt(bs, h.Get(HeaderTimestamp), h.Get(HeaderSignature), body, time.Now(), tolerance)
}

// VerifyAt is Verify with the header values and the time given.
func VerifyAt(secrets [][]byte, timestamp, signatures string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not a Unix time", ErrTimestamp, timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s from now", ErrTimestamp, d.Truncate(time.Second))
	}
	wants := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		w, _ := hex.DecodeString(strings.TrimPrefix(Sign(s, timestamp, body), "v1="))
		wants = append(wants, w)
	}
	found := false
	for part := range strings.SplitSeq(signatures, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !ok {
			continue
		}
		found = true
		got, err := hex.DecodeString(v)
		if err != nil {
			continue
		}
		for _, w := range wants {
			if hmac.Equal(got, w) {
				return nil
			}
		}
	}
	if !found {
		return fmt.Errorf("%w: no v1 signature in header", ErrSignature)
	}
	return ErrSignature
}
