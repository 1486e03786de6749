package webhooks

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"a":1}`)
	oldS, newS := []byte("old"), []byte("new")
	both := SignAll([][]byte{newS, oldS}, ts, body)
	tests := map[string]struct {
		secrets    [][]byte
		ts, header string
		at         time.Time
		want       error
	}{
		"one secret":             {[][]byte{oldS}, ts, Sign(oldS, ts, body), now, nil},
		"rotation, old receiver": {[][]byte{oldS}, ts, both, now, nil},
		"rotation, new receiver": {[][]byte{newS}, ts, both, now, nil},
		"receiver knows both":    {[][]byte{[]byte("x"), newS}, ts, Sign(newS, ts, body), now, nil},
		"wrong secret":           {[][]byte{[]byte("x")}, ts, both, now, ErrSignature},
		"no v1":                  {[][]byte{oldS}, ts, "v0=abc", now, ErrSignature},
		"empty header":           {[][]byte{oldS}, ts, "", now, ErrSignature},
		"too old":                {[][]byte{oldS}, ts, Sign(oldS, ts, body), now.Add(6 * time.Minute), ErrTimestamp},
		"from the future":        {[][]byte{oldS}, ts, Sign(oldS, ts, body), now.Add(-6 * time.Minute), ErrTimestamp},
		"timestamp not a number": {[][]byte{oldS}, "x", Sign(oldS, "x", body), now, ErrTimestamp},
		"signed another time":    {[][]byte{oldS}, ts, Sign(oldS, "1", body), now, ErrSignature},
		"not hex after v1=":      {[][]byte{oldS}, ts, "v1=zz", now, ErrSignature},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := VerifyAt(tc.secrets, tc.ts, tc.header, body, tc.at, 0)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
