package jsonptr

import "testing"

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
