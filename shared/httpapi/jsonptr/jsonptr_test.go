package jsonptr

import (
	"slices"
	"testing"
)

func TestPointers(t *testing.T) {
	tests := map[string]struct{ got, want string }{
		"plain":        {Key("/a", "b"), "/a/b"},
		"slash":        {Key("", "a/b"), "/a~1b"},
		"tilde first":  {Key("", "~1"), "/~01"},
		"index":        {Index("/examples", 3), "/examples/3"},
		"empty key":    {Key("/m", ""), "/m/"},
		"token escape": {Token("x~/y"), "x~0~1y"},
	}
	for name, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", name, tc.got, tc.want)
		}
	}
	if s := (FieldError{Field: "/a", Reason: "bad"}).String(); s != "/a: bad" {
		t.Errorf("String %q", s)
	}
	if s := (FieldError{Reason: "bad"}).String(); s != "bad" {
		t.Errorf("String %q", s)
	}
}

// Split undoes Key and Index: one unescaper for the pointers we read (the idempotency guard's
// omitted fields) as Token is the one escaper for those we write.
func TestSplit(t *testing.T) {
	tests := map[string]struct {
		ptr  string
		want []string
		ok   bool
	}{
		"whole document": {"", nil, true},
		"root member":    {"/a", []string{"a"}, true},
		"escapes":        {Index(Key(Key("", "a/b"), "~1"), 0), []string{"a/b", "~1", "0"}, true},
		"tilde zero one": {"/~01", []string{"~1"}, true},
		"empty token":    {"/m/", []string{"m", ""}, true},
		"not a pointer":  {"a/b", nil, false},
	}
	for name, tc := range tests {
		got, ok := Split(tc.ptr)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("%s: Split(%q) = %q, %v; want %q, %v", name, tc.ptr, got, ok, tc.want, tc.ok)
		}
	}
}
