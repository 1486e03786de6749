package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

type textBody struct {
	Name     string            `json:"name"`
	Message  string            `json:"message" text:"multiline"`
	Answer   answerText        `json:"answer"`
	Tags     []string          `json:"tags"`
	Attrs    map[string]string `json:"attrs"`
	Count    int               `json:"count"`
	Ratio    float64           `json:"ratio"`
	Embedded                   // its fields are the parent's
}

type Embedded struct {
	Note string `json:"note"`
}

type answerText map[string]string

func (answerText) MultiLineText() {}

// Regression (issue 7, defect 5): invalid UTF-8 and lone surrogates became U+FFFD and NUL was
// stored; now each is a validation problem at its field, and decoder text never reaches the caller.
func TestDecodeJSONTextHygiene(t *testing.T) {
	tests := map[string]struct {
		body  string
		kind  *Kind
		field string
	}{
		"clean":                     {`{"name":"Ada","message":"two\nlines\tand tab","answer":{"en":"a\r\nb"},"tags":["x"],"note":"n"}`, nil, ""},
		"real surrogate pair":       {`{"name":"\ud83d\ude00"}`, nil, ""},
		"escaped backslash then u":  {`{"name":"\\ud800"}`, nil, ""},
		"invalid UTF-8":             {"{\"name\":\"a\xffb\"}", KindValidation, "/name"},
		"invalid UTF-8 in a list":   {"{\"tags\":[\"ok\",\"a\xc3\"]}", KindValidation, "/tags/1"},
		"invalid UTF-8 in a key":    {"{\"attrs\":{\"k\xff\":\"v\"}}", KindValidation, "/attrs/k\ufffd"},
		"UTF-8 encoded surrogate":   {"{\"name\":\"\xed\xa0\x80\"}", KindValidation, "/name"},
		"lone high surrogate":       {`{"name":"a\ud800b"}`, KindValidation, "/name"},
		"lone high at the end":      {`{"name":"a\ud800"}`, KindValidation, "/name"},
		"lone low surrogate":        {`{"answer":{"en":"\udc00"}}`, KindValidation, "/answer/en"},
		"two highs":                 {`{"name":"\ud800\ud800"}`, KindValidation, "/name"},
		"NUL escape":                {`{"name":"a\u0000b"}`, KindValidation, "/name"},
		"NUL in multi-line":         {`{"message":"a\u0000b"}`, KindValidation, "/message"},
		"NUL in an embedded field":  {`{"note":"\u0000"}`, KindValidation, "/note"},
		"NUL in a map key":          {`{"attrs":{"a\u0000":"v"}}`, KindValidation, "/attrs/a\x00"},
		"DEL":                       {"{\"name\":\"a\x7fb\"}", KindValidation, "/name"},
		"C1 control":                {`{"name":"a\u0085b"}`, KindValidation, "/name"},
		"newline in a name":         {`{"name":"a\nb"}`, KindValidation, "/name"},
		"tab in a list":             {`{"tags":["a\tb"]}`, KindValidation, "/tags/0"},
		"key with a slash":          {`{"attrs":{"a/b":"x\u0001"}}`, KindValidation, "/attrs/a~1b"},
		"too deep":                  {`{"attrs":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, KindValidation, ""},
		"deep arrays":               {strings.Repeat("[", 10000) + strings.Repeat("]", 10000), KindValidation, ""},
		"a list":                    {`[]`, KindValidation, ""},
		"null":                      {`null`, KindValidation, ""},
		"not JSON":                  {`nope`, KindMalformed, ""},
		"huge whole number":         {`{"count":18446744073709551616}`, KindValidation, "/count"},
		"1e400":                     {`{"ratio":1e400}`, KindValidation, "/ratio"},
		"wrong type says JSON type": {`{"answer":"x"}`, KindValidation, "/answer"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &Request{maxBody: DefaultMaxBody}
			r.Headers = map[string]string{"content-type": "application/json"}
			r.APIGatewayV2HTTPRequest.Body = tc.body
			var v textBody
			err := r.DecodeJSON(&v)
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			p := ProblemFor(err, "")
			if p.Type != tc.kind.TypeURI() {
				t.Fatalf("problem %+v, want %s", p, tc.kind.Slug)
			}
			if strings.Contains(p.Detail, "json:") || strings.Contains(p.Detail, "Go ") || strings.Contains(p.Detail, "httpapi.") {
				t.Fatalf("decoder text reaches the caller: %q", p.Detail)
			}
			if tc.field != "" {
				found := false
				for _, f := range p.Errors {
					found = found || f.Field == tc.field
				}
				if !found {
					t.Fatalf("errors %+v do not point at %q", p.Errors, tc.field)
				}
			}
		})
	}
}

// Defect 4: a route that takes no body accepts none (whatever the content type) or {} and refuses
// anything else.
func TestNoBody(t *testing.T) {
	tests := map[string]struct {
		body, ct string
		kind     *Kind
	}{
		"nothing":              {"", "", nil},
		"nothing, form type":   {"", "application/x-www-form-urlencoded", nil},
		"empty object":         {"{}", "application/json", nil},
		"a member":             {`{"a":1}`, "application/json", KindValidation},
		"garbage":              {strings.Repeat("x", 1<<20), "application/json", KindMalformed},
		"too large":            {strings.Repeat("x", 2<<20), "application/json", KindTooLarge},
		"text":                 {"rotate please", "text/plain", KindMediaType},
		"blank":                {"  ", "application/json", KindMalformed},
		"malformed JSON":       {`{"a":`, "application/json", KindMalformed},
		"an object, text type": {"{}", "text/plain", KindMediaType},
		"an object, no type":   {"{}", "", KindMediaType},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &Request{maxBody: DefaultMaxBody}
			r.Headers = map[string]string{}
			if tc.ct != "" {
				r.Headers["content-type"] = tc.ct
			}
			r.APIGatewayV2HTTPRequest.Body = tc.body
			err := r.NoBody()
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if p := ProblemFor(err, ""); p.Type != tc.kind.TypeURI() {
				t.Fatalf("problem %+v, want %s", p, tc.kind.Slug)
			}
		})
	}
}

// One size rule and one Content-Type rule for every way a route reads its body (the api
// function's training routes had their own: 4 KB and "a body needs a Content-Type").
func TestBodyRules(t *testing.T) {
	small := []BodyOption{MaxBody(8)}
	tests := map[string]struct {
		body, ct string
		optional bool
		opts     []BodyOption
		kind     *Kind
	}{
		"required, no type":              {`{"a":1}`, "", false, nil, KindMediaType},
		"optional, no type":              {`{"a":1}`, "", true, nil, KindMediaType},
		"optional, nothing, no type":     {"", "", true, nil, nil},
		"required, nothing, no type":     {"", "", false, nil, KindMalformed},
		"required, +json type":           {`{"a":1}`, "application/merge-patch+json", false, nil, nil},
		"optional, over the route's max": {`{"a":1}  `, "application/json", true, small, KindTooLarge},
		"optional, within the route's":   {`{"a":1}`, "application/json", true, small, nil},
		"a larger max keeps the router's": {`{"a":"` + strings.Repeat("x", 64) + `"}`, "application/json", false,
			[]BodyOption{MaxBody(DefaultMaxBody * 2)}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &Request{maxBody: DefaultMaxBody}
			r.Headers = map[string]string{}
			if tc.ct != "" {
				r.Headers["content-type"] = tc.ct
			}
			r.APIGatewayV2HTTPRequest.Body = tc.body
			var v struct {
				A any `json:"a"`
			}
			decode := r.DecodeJSON
			if tc.optional {
				decode = r.DecodeOptionalJSON
			}
			err := decode(&v, tc.opts...)
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if p := ProblemFor(err, ""); p.Type != tc.kind.TypeURI() {
				t.Fatalf("problem %+v, want %s", p, tc.kind.Slug)
			}
		})
	}
}

func FuzzScanJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\\ud800"}`, `{"a":"[[\"]]"}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `[[[]]]`, `{"a":[1,"\u0000",{"b":"\\u"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = ScanJSON(body) // must not panic, whatever the bytes
		if utf8.Valid(body) && !mayHoldSurrogateEscape(body) && nesting(body) <= MaxDepth {
			if err := scanTokens(body); err != nil {
				t.Fatalf("the fast path passes what the token walk refuses: %v", err)
			}
		}
		var v map[string]any
		if err := decodeStrict(body, &v); err == nil {
			if fields := CheckText(v); len(fields) > 0 {
				t.Fatalf("accepted text CheckText refuses: %+v", fields)
			}
		}
	})
}

// The text check's cost on a large body: an import-sized request of 1,000 items.
func BenchmarkDecodeJSON(b *testing.B) {
	type item struct {
		ID       string     `json:"id"`
		Examples []string   `json:"examples"`
		Answer   answerText `json:"answer"`
	}
	type doc struct {
		Intents []item `json:"intents"`
	}
	var sb strings.Builder
	sb.WriteString(`{"intents":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"id":"intent-` + strings.Repeat("x", 8) + `","examples":["I lost my card","我的卡丢了","my card was stolen yesterday"],"answer":{"en":"I'll block it.\nThen call us.","zh":"我来帮您挂失。"}}`)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	b.SetBytes(int64(len(body)))
	b.Run("decode only", func(b *testing.B) {
		for b.Loop() {
			var d doc
			if err := json.Unmarshal([]byte(body), &d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeJSON", func(b *testing.B) {
		r := &Request{maxBody: DefaultMaxBody}
		r.Headers = map[string]string{"content-type": "application/json"}
		r.APIGatewayV2HTTPRequest.Body = body
		for b.Loop() {
			var d doc
			if err := r.DecodeJSON(&d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
