// Package httpapitest holds the standing bad-input table that every function's suite runs against
// each of its write routes: malformed JSON, wrong types, unknown fields, 1 MB and 10 MB bodies, deep
// nesting, invalid UTF-8, lone surrogates, NUL and other control characters, huge numbers, empty
// bodies and other media types. Each must be refused with a 4xx problem and change nothing.
package httpapitest

import (
	"strings"
)

// Slot marks where a route's body template takes the text the table corrupts.
const Slot = "@"

// Route is one write route as the bad-input suite sends to it.
type Route struct {
	// Path is a concrete path of the route ("/v1/intents/card_lost").
	Path string
	// Body is a valid body with one JSON string written as Slot, e.g. `{"examples":[@]}`; "" for
	// a route that takes no body.
	Body string
	// Field is the JSON pointer of the slot, at which text problems must be reported.
	Field string
	// MultiLine says the slot takes newlines and tabs (answers, messages), so they are not bad.
	MultiLine bool
	// EmptyOK says an empty body is valid for the route (it takes none, or all its fields are
	// optional), so the empty payloads are not sent.
	EmptyOK bool
	// Key is the API key to send (the suite's default when empty).
	Key string
	// Get lists GET paths whose answers must be the same before and after every bad request.
	Get []string
	// Pending, when not empty, skips the route's cases and says why (whose branch fixes it).
	Pending string
	// Media is the route's body media type when it is not JSON ("text/csv"): Body is then a valid
	// body of that type with the slot in it, the cases are sent as Media (their JSON-only
	// expectations dropped), and a JSON body must be refused too.
	Media string
}

// Case is one bad request.
type Case struct {
	Name        string
	Body        string
	ContentType string // "" means application/json
	// Field, if not empty, is a pointer the problem must name.
	Field string
}

// fill puts lit (a JSON value, written as it goes on the wire) in the route's slot; routes without
// a body get it as the value of an unknown member "x".
func (r Route) fill(lit string) (body, field string) {
	if r.Body == "" {
		return `{"x":` + lit + `}`, "/x"
	}
	return strings.Replace(r.Body, Slot, lit, 1), r.Field
}

// Cases returns the bad requests for r.
func Cases(r Route) []Case {
	text := func(name, lit string) Case {
		b, f := r.fill(lit)
		return Case{Name: name, Body: b, Field: f}
	}
	anyField := func(name, lit string) Case {
		b, _ := r.fill(lit)
		return Case{Name: name, Body: b}
	}
	valid, _ := r.fill(`"fine text"`)
	unknown := `{"zz_unknown":1}`
	if r.Body != "" {
		unknown = strings.Replace(valid, "{", `{"zz_unknown":1,`, 1)
	}
	cases := []Case{
		{Name: "malformed JSON", Body: `{"a":`},
		{Name: "not JSON at all", Body: `hello`},
		{Name: "two JSON values", Body: valid + ` {}`},
		{Name: "a list, not an object", Body: `[]`},
		{Name: "null", Body: `null`},
		{Name: "a string, not an object", Body: `"x"`},
		{Name: "unknown field", Body: unknown, Field: "/zz_unknown"},
		anyField("wrong type: number for text", `12`),
		anyField("wrong type: object for text", `{"a":"b"}`),
		anyField("huge number 1e400", `1e400`),
		anyField("huge number 2^64", `18446744073709551616`),
		anyField("1 MB of text", `"`+strings.Repeat("长", 1<<20/3)+`"`),
		{Name: "1 MB of garbage", Body: strings.Repeat("\x00garbage", 1<<20/8)},
		anyField("10 MB of text", `"`+strings.Repeat("x", 10<<20)+`"`),
		{Name: "10,000 nested arrays", Body: strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
		{Name: "10,000 nested objects", Body: strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)},
		anyField("nested arrays in the slot", strings.Repeat("[", 10000)+strings.Repeat("]", 10000)),
		text("invalid UTF-8", "\"bad \xff\xfe byte\""),
		text("truncated UTF-8 sequence", "\"bad \xe4\xbd\""),
		text("UTF-8 encoded surrogate", "\"bad \xed\xa0\x80\""),
		text("lone high surrogate", `"bad \ud800 escape"`),
		text("lone low surrogate", `"bad \udc00 escape"`),
		text("NUL escape", `"nul \u0000 here"`),
		text("escape character", `"\u001b[31mred"`),
		text("DEL", "\"del \x7f here\""),
		text("C1 control", `"next line \u0085 here"`),
		{Name: "text/plain", Body: valid, ContentType: "text/plain"},
		{Name: "form encoded", Body: "a=b", ContentType: "application/x-www-form-urlencoded"},
		{Name: "unparseable content type", Body: valid, ContentType: "application/json; ="},
	}
	if !r.MultiLine && r.Body != "" {
		cases = append(cases, text("newline in one-line text", `"two\nlines"`), text("tab in one-line text", `"a\tb"`))
	}
	if !r.EmptyOK {
		cases = append(cases, Case{Name: "empty body", Body: ""}, Case{Name: "blank body", Body: " \r\n\t "})
	}
	if r.Media != "" {
		return mediaCases(r, cases)
	}
	return cases
}

// mediaCases sends the JSON cases to a route whose body is of r.Media: as that type (the slot's
// text problems must still point at r.Field; an unknown JSON member means nothing there), and a
// JSON body as JSON, which must be refused.
func mediaCases(r Route, cases []Case) []Case {
	out := []Case{{Name: "JSON instead of " + r.Media, Body: `{"rows":[]}`, ContentType: "application/json"}}
	for _, c := range cases {
		if c.Name == "unknown field" {
			continue
		}
		if c.ContentType == "" {
			c.ContentType = r.Media
		}
		out = append(out, c)
	}
	return out
}
