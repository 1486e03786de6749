// Package jsonptr is the one way our code names a field at fault: a JSON pointer (RFC 6901) and a
// reason safe to show the caller. It is a leaf (no imports of ours), so pure packages such as
// shared/dialog and shared/botconfig report problems in the type httpapi answers with
// (httpapi.FieldError is this FieldError) without depending on the HTTP layer.
package jsonptr

import (
	"strconv"
	"strings"
)

// FieldError points at one invalid field: Field is a JSON pointer into the document as the caller
// sent it ("/examples/3"; "" for the whole document; a header or query parameter is named as is)
// and Reason says what is wrong, in words safe to show the caller.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// String is "field: reason", or the reason alone for the whole document.
func (e FieldError) String() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

var (
	escaper   = strings.NewReplacer("~", "~0", "/", "~1")
	unescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// Token escapes s as one reference token ("a/b" → "a~1b").
func Token(s string) string { return escaper.Replace(s) }

// Key appends the member name key to ptr, escaped.
func Key(ptr, key string) string { return ptr + "/" + Token(key) }

// Split returns the reference tokens of ptr, unescaped ("/a~1b/0" → "a/b", "0"); none for "",
// the whole document. ok is false when ptr is not a JSON pointer (it does not start with "/").
func Split(ptr string) (tokens []string, ok bool) {
	if ptr == "" {
		return nil, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	tokens = strings.Split(ptr[1:], "/")
	for i, t := range tokens {
		tokens[i] = unescaper.Replace(t)
	}
	return tokens, true
}

// Index appends the array index i to ptr.
func Index(ptr string, i int) string { return ptr + "/" + strconv.Itoa(i) }
