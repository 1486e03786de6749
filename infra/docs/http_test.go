package docs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// An `http …` sample is an HTTP message as a reader sees it on the wire: an optional start line
// ("POST <your url>", "HTTP/1.1 429 Too Many Requests"), header fields, and after a blank line an
// optional body. Text in <angle brackets> is a placeholder for a value that changes from one
// message to the next; everything else must be what the code really sends.

type httpSample struct {
	start   string
	headers [][2]string // name, value, in the sample's order
	body    string
}

var reStartLine = regexp.MustCompile(`^(HTTP/\d(\.\d)? \d{3}|[A-Z]+ \S+)`)

func parseHTTPSample(t *testing.T, b Block) httpSample {
	t.Helper()
	var s httpSample
	head, body, _ := strings.Cut(b.Body, "\n\n")
	s.body = strings.TrimRight(body, "\n")
	for i, line := range strings.Split(strings.TrimRight(head, "\n"), "\n") {
		if i == 0 && reStartLine.MatchString(line) && !strings.Contains(strings.SplitN(line, " ", 2)[0], ":") {
			s.start = line
			continue
		}
		name, value, ok := strings.Cut(line, ": ")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			t.Fatalf("%s: %q is not a header field line (Name: value)", b.Where(), line)
		}
		s.headers = append(s.headers, [2]string{name, value})
	}
	return s
}

var rePlaceholder = regexp.MustCompile(`<[^<>]+>`)

// matches reports whether got is doc with each <placeholder> standing for one or more characters.
func matches(doc, got string) bool {
	var re strings.Builder
	re.WriteString("^")
	last := 0
	for _, loc := range rePlaceholder.FindAllStringIndex(doc, -1) {
		re.WriteString(regexp.QuoteMeta(doc[last:loc[0]]))
		re.WriteString(".+")
		last = loc[1]
	}
	re.WriteString(regexp.QuoteMeta(doc[last:]) + "$")
	return regexp.MustCompile(re.String()).MatchString(got)
}

// checkHeaders holds a sample's header fields to a real message's: every documented field is sent
// with a value the sample's matches, and every field sent (but those in transport, which the HTTP
// stack adds) is documented.
func checkHeaders(t *testing.T, b Block, s httpSample, got http.Header, transport ...string) {
	t.Helper()
	documented := map[string]bool{}
	for _, h := range s.headers {
		name := http.CanonicalHeaderKey(h[0])
		documented[name] = true
		if v := got.Values(name); len(v) != 1 || !matches(h[1], v[0]) {
			t.Errorf("%s: %s: %s; the code sends %q", b.Where(), h[0], h[1], v)
		}
	}
	for name := range got {
		if !documented[name] && !slices.Contains(transport, name) {
			t.Errorf("%s: the code also sends %s: %q; document it", b.Where(), name, got.Values(name))
		}
	}
}

// jsonMatches reports where got differs from doc, two JSON texts: the same members and values,
// but that a string of doc with a <placeholder> matches any string it stands for.
func jsonMatches(doc, got string) error {
	var d, g any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return fmt.Errorf("the sample: %w", err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return fmt.Errorf("the real answer: %w", err)
	}
	return jsonValueMatches("", d, g)
}

func jsonValueMatches(path string, d, g any) error {
	switch dv := d.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: the sample has an object, the code %v", path, g)
		}
		for k, v := range dv {
			gc, ok := gv[k]
			if !ok {
				return fmt.Errorf("%s/%s: in the sample, not sent by the code", path, k)
			}
			if err := jsonValueMatches(path+"/"+k, v, gc); err != nil {
				return err
			}
		}
		for k, v := range gv {
			if _, ok := dv[k]; !ok {
				return fmt.Errorf("%s/%s: sent by the code (%v), not in the sample", path, k, v)
			}
		}
		return nil
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(dv) {
			return fmt.Errorf("%s: the sample has %v, the code %v", path, d, g)
		}
		for i := range dv {
			if err := jsonValueMatches(fmt.Sprintf("%s/%d", path, i), dv[i], gv[i]); err != nil {
				return err
			}
		}
		return nil
	case string:
		if gv, ok := g.(string); ok && matches(dv, gv) {
			return nil
		}
	default:
		if reflect.DeepEqual(d, g) {
			return nil
		}
	}
	return fmt.Errorf("%s: the sample has %v, the code %v", path, d, g)
}

func TestHTTPSampleMatching(t *testing.T) {
	for _, tc := range []struct {
		doc, got string
		want     bool
	}{
		{"v1=<64 hex digits>", "v1=ab01", true},
		{"v1=<64 hex digits>", "v2=ab01", false},
		{"application/json", "application/json", true},
		{"application/json", "application/json; charset=utf-8", false},
		{"<a>-<b>", "x-y", true},
		{"a.b", "axb", false},
	} {
		if got := matches(tc.doc, tc.got); got != tc.want {
			t.Errorf("matches(%q, %q) = %v", tc.doc, tc.got, got)
		}
	}
	if err := jsonMatches(`{"a":"<id>","b":[1,{"c":true}]}`, `{"b":[1,{"c":true}],"a":"x1"}`); err != nil {
		t.Error(err)
	}
	for _, got := range []string{`{"a":"x","b":[1,{"c":false}]}`, `{"a":"x","b":[1,{"c":true}],"d":0}`, `{"b":[1,{"c":true}]}`} {
		if jsonMatches(`{"a":"<id>","b":[1,{"c":true}]}`, got) == nil {
			t.Errorf("%s matched", got)
		}
	}
}
