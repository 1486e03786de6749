package webhooks

import (
	"errors"
	"os"
	"strconv"
	"strings"
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

// The receiver shown in docs/webhooks.md is ExampleVerify's, so the doc's code runs.
func TestDocShowsTheExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "```go example\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("docs/webhooks.md has no Go block")
	}
	var indented []string
	for line := range strings.SplitSeq(strings.TrimRight(block, "\n"), "\n") {
		if line != "" {
			line = "\t" + line
		}
		indented = append(indented, line)
	}
	if !strings.Contains(string(ex), strings.Join(indented, "\n")) {
		t.Fatalf("docs/webhooks.md's Go block is not ExampleVerify's receiver:\n%s", block)
	}
}
