package handler

import (
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/httpapi"
)

// tagAllows reports whether s passes the jsonschema tag's minLength, maxLength and pattern, as
// the OpenAPI contract states them for the field.
func tagAllows(t *testing.T, typ reflect.Type, field, s string) bool {
	t.Helper()
	f, ok := typ.FieldByName(field)
	if !ok {
		t.Fatalf("%s has no field %s", typ, field)
	}
	for kv := range strings.SplitSeq(f.Tag.Get("jsonschema"), ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "minLength":
			if utf8.RuneCountInString(s) < n {
				return false
			}
		case "maxLength":
			if utf8.RuneCountInString(s) > n {
				return false
			}
		case "pattern":
			if !regexp.MustCompile(v).MatchString(s) {
				return false
			}
		}
	}
	return true
}

// fieldRefused reports whether err is a validation error naming ptr.
func fieldRefused(err error, ptr string) bool {
	var e *httpapi.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == ptr {
			return true
		}
	}
	return false
}

// The length and pattern rules the request bodies' jsonschema tags put in the OpenAPI contract
// are the ones the handlers enforce: on values at and around each limit, the contract allows a
// value exactly when the handler accepts it.
func TestBodyTagsMatchLimits(t *testing.T) {
	str := func(p string) *string { return &p }
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		typ    reflect.Type
		field  string
		ptr    string
		check  func(v string) error
		values []string
	}{
		{reflect.TypeFor[messageBody](), "Text", "/text", func(v string) error { _, err := messageBody{Text: &v}.input(); return err },
			[]string{"hi", strings.Repeat("好", 4000), strings.Repeat("好", 4001)}},
		{reflect.TypeFor[messageBody](), "Suggestion", "/suggestion", func(v string) error { _, err := messageBody{Suggestion: &v}.input(); return err },
			[]string{"refund", "r", "0-a_b", "Refund", "-a", "", "a b", strings.Repeat("a", 64), strings.Repeat("a", 65)}},
		{reflect.TypeFor[messageBody](), "DTMF", "/dtmf", func(v string) error { _, err := messageBody{DTMF: &v}.input(); return err },
			[]string{"1", "*#", "0123456789ABCD", "E", "", "1 2", strings.Repeat("1", 32), strings.Repeat("1", 33)}},
		{reflect.TypeFor[voiceBody](), "CallID", "/call_id", func(v string) error { _, err := voiceBody{CallID: v}.input(); return err },
			[]string{"c-1@pbx", "", "a b", "呼叫", strings.Repeat("x", 256), strings.Repeat("x", 257)}},
		{reflect.TypeFor[voiceBody](), "ConversationID", "/conversation_id", func(v string) error { _, err := voiceBody{CallID: "c", ConversationID: v}.input(); return err },
			[]string{"", "conv-1", strings.Repeat("x", 128), strings.Repeat("x", 129)}},
		{reflect.TypeFor[voiceBody](), "Caller", "/caller", func(v string) error { _, err := voiceBody{CallID: "c", Caller: v}.input(); return err },
			[]string{"", "+8613812345678", strings.Repeat("1", 64), strings.Repeat("1", 65)}},
		{reflect.TypeFor[voiceBody](), "Text", "/text", func(v string) error { _, err := voiceBody{CallID: "c", Text: str(v)}.input(); return err },
			[]string{"", "hello", strings.Repeat("x", 4000), strings.Repeat("x", 4001)}},
		{reflect.TypeFor[customerBody](), "ID", "/customer/id", func(v string) error { _, err := startBody{Customer: customerBody{ID: v}}.input(); return err },
			[]string{"", "cus-1", strings.Repeat("x", 128), strings.Repeat("x", 129)}},
		{reflect.TypeFor[businessEventBody](), "CustomerID", "/customer_id", func(v string) error {
			_, err := businessEventBody{CustomerID: v, Kind: "paid", OccurredAt: "2026-01-01T00:00:00Z"}.event(now)
			return err
		}, []string{"", "cus-1", strings.Repeat("x", 128), strings.Repeat("x", 129)}},
		{reflect.TypeFor[businessEventBody](), "Kind", "/kind", func(v string) error {
			_, err := businessEventBody{CustomerID: "c", Kind: v, OccurredAt: "2026-01-01T00:00:00Z"}.event(now)
			return err
		}, []string{"paid", "order_paid2", "", "Paid", "2paid", "paid-x", strings.Repeat("a", 64), strings.Repeat("a", 65)}},
	}
	for _, c := range cases {
		for _, v := range c.values {
			accepted := !fieldRefused(c.check(v), c.ptr)
			if allowed := tagAllows(t, c.typ, c.field, v); allowed != accepted {
				t.Errorf("%s.%s %q (%d characters): the contract allows it %v, the handler accepts it %v",
					c.typ.Name(), c.field, v, utf8.RuneCountInString(v), allowed, accepted)
			}
		}
	}
}
