package httpapi

// Text hygiene: what strings a request may carry, checked once here for every route. A JSON body is
// checked twice. First its raw bytes, before decoding, for what encoding/json would hide: it turns
// invalid UTF-8 and lone UTF-16 surrogates ("\ud800") into U+FFFD without a word. Then the decoded
// value, for control characters (an escaped "\u0000" decodes to NUL, and DEL and the C1 controls
// need no escape at all). Newline, carriage return and tab pass only in multi-line text: a struct
// field tagged `text:"multiline"`, or a value of a type with a MultiLineText method (the bot's
// answers, flow prompts). Every problem names its field with a JSON pointer.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// MaxDepth is how deeply a JSON body may nest objects and arrays.
const MaxDepth = 32

// maxTextProblems bounds the problems one check reports.
const maxTextProblems = 50

// MultiLiner marks a type whose strings are multi-line text (answers, prompts): they may hold
// newlines and tabs.
type MultiLiner interface{ MultiLineText() }

var multiLinerType = reflect.TypeFor[MultiLiner]()

// ScanJSON checks a raw JSON body for invalid UTF-8 and lone surrogate escapes in its strings
// (member names included), and for nesting deeper than MaxDepth. It returns a validation error
// naming each field at fault, or nil. Syntax errors are not its business: it stops at the first and
// leaves it to the decoder, which reports it as a malformed body.
func ScanJSON(body []byte) error {
	// The common case, clean text, costs three byte loops; only a body with something to report is
	// walked token by token to find the fields at fault.
	if utf8.Valid(body) && !mayHoldSurrogateEscape(body) && nesting(body) <= MaxDepth {
		return nil
	}
	return scanTokens(body)
}

// scanTokens is ScanJSON's token walk, which knows the pointer of every string.
func scanTokens(body []byte) error {
	type frame struct {
		array bool
		index int
		key   string
		onKey bool // an object expecting a member name
	}
	var stack []frame
	var fields []FieldError
	ptr := func() string {
		p := ""
		for _, f := range stack {
			if f.array {
				p = jsonptr.Index(p, f.index)
			} else {
				p = jsonptr.Key(p, f.key)
			}
		}
		return p
	}
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].onKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	prev := int64(0)
	for len(fields) < maxTextProblems {
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF, or a syntax error the decoder reports
		}
		end := dec.InputOffset()
		raw := body[prev:end]
		prev = end
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) >= MaxDepth {
					return Invalid(FieldError{Field: ptr(), Reason: fmt.Sprintf("nested more than %d levels deep", MaxDepth)})
				}
				stack = append(stack, frame{array: v == '[', onKey: v == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			n := len(stack)
			isKey := n > 0 && !stack[n-1].array && stack[n-1].onKey
			if isKey {
				stack[n-1].key, stack[n-1].onKey = v, false
			}
			if reason := rawStringProblem(raw); reason != "" {
				fields = append(fields, FieldError{Field: ptr(), Reason: reason})
			}
			if !isKey {
				valueDone()
			}
		default:
			valueDone()
		}
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}

// mayHoldSurrogateEscape reports whether body holds "\\u" and a hex digit sequence of a
// surrogate (D800–DFFF). It may say yes for an escaped backslash followed by such text; the token
// walk then finds nothing.
func mayHoldSurrogateEscape(body []byte) bool {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(`\u`))
		if j < 0 {
			return false
		}
		i += j + 2
		if i+1 < len(body) && (body[i] == 'd' || body[i] == 'D') && strings.IndexByte("89abcdefABCDEF", body[i+1]) >= 0 {
			return true
		}
	}
}

// nesting returns how deeply body nests arrays and objects, skipping strings.
func nesting(body []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > deepest {
				deepest = depth
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// rawStringProblem checks the raw bytes of one JSON string token (with whatever separators came
// before it): they must be UTF-8, and every \u escape of a surrogate must be half of a pair.
func rawStringProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8"
	}
	i := bytes.IndexByte(raw, '"')
	if i < 0 {
		return ""
	}
	s := raw[i+1:]
	pendingHigh := false // the previous escape was a high surrogate
	for j := 0; j < len(s); j++ {
		if s[j] != '\\' {
			if pendingHigh {
				return "holds a lone UTF-16 surrogate escape; text must be valid Unicode"
			}
			continue
		}
		if j+1 >= len(s) {
			break
		}
		if s[j+1] != 'u' || j+6 > len(s) {
			if pendingHigh {
				return "holds a lone UTF-16 surrogate escape; text must be valid Unicode"
			}
			j++
			continue
		}
		var r rune
		for _, c := range s[j+2 : j+6] {
			r = r<<4 | rune(hexVal(c))
		}
		j += 5
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if pendingHigh {
				return "holds a lone UTF-16 surrogate escape; text must be valid Unicode"
			}
			pendingHigh = true
		case r >= 0xDC00 && r < 0xE000:
			if !pendingHigh {
				return "holds a lone UTF-16 surrogate escape; text must be valid Unicode"
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return "holds a lone UTF-16 surrogate escape; text must be valid Unicode"
			}
		}
	}
	return ""
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// CheckText walks a decoded value (structs by their JSON names, maps, slices, pointers) and
// reports every string — map keys included — that is not valid UTF-8 or holds a control character;
// newline, carriage return and tab pass in multi-line text only. Pointers are relative to v.
func CheckText(v any) []FieldError {
	w := textWalker{}
	w.walk(reflect.ValueOf(v), "", false)
	return w.fields
}

type textWalker struct{ fields []FieldError }

func (w *textWalker) walk(v reflect.Value, ptr string, multi bool) {
	if !v.IsValid() || len(w.fields) >= maxTextProblems {
		return
	}
	if v.Type().Implements(multiLinerType) {
		multi = true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem(), ptr, multi)
		}
	case reflect.String:
		if reason := TextProblem(v.String(), multi); reason != "" {
			w.fields = append(w.fields, FieldError{Field: ptr, Reason: reason})
		}
	case reflect.Struct:
		w.structFields(v, ptr, multi)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes (json.RawMessage): not text
		}
		for i := range v.Len() {
			w.walk(v.Index(i), jsonptr.Index(ptr, i), multi)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sortKeys(keys)
		for _, k := range keys {
			p := ptr
			if k.Kind() == reflect.String {
				p = jsonptr.Key(ptr, k.String())
				if reason := TextProblem(k.String(), false); reason != "" {
					w.fields = append(w.fields, FieldError{Field: p, Reason: "name " + reason})
					continue
				}
			}
			w.walk(v.MapIndex(k), p, multi)
		}
	}
}

func (w *textWalker) structFields(v reflect.Value, ptr string, multi bool) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		m := multi || f.Tag.Get("text") == "multiline"
		if f.Anonymous && name == "" {
			fv := v.Field(i)
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				w.structFields(fv, ptr, m) // embedded: its fields are the parent's
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		w.walk(v.Field(i), jsonptr.Key(ptr, name), m)
	}
}

// sortKeys orders string map keys so problems come in a stable order.
func sortKeys(keys []reflect.Value) {
	if len(keys) > 1 && keys[0].Kind() == reflect.String {
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	}
}

// TextProblem says what is wrong with one string of a request, or "": it must be UTF-8 and hold no
// control characters but, in multi-line text, newline, carriage return and tab.
func TextProblem(s string, multiLine bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if !unicode.IsControl(r) {
			continue
		}
		if r == '\n' || r == '\r' || r == '\t' {
			if multiLine {
				continue
			}
			return "must be one line: no line breaks or tabs"
		}
		return fmt.Sprintf("must not hold control characters (U+%04X)", r)
	}
	return ""
}
