package tenant

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := map[string]struct {
		in string
		ok bool
	}{
		"simple":        {"acme", true},
		"digits":        {"t-0042", true},
		"empty":         {"", false},
		"leading dash":  {"-acme", false},
		"upper":         {"Acme", false},
		"hash in id":    {"a#b", false},
		"too long":      {string(make([]byte, 65)), false},
		"max length ok": {"a123456789012345678901234567890123456789012345678901234567890123", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id, err := Parse(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("Parse(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			if tc.ok && id.String() != tc.in {
				t.Fatalf("String() = %q", id.String())
			}
		})
	}
	if !(ID{}).IsZero() {
		t.Fatal("zero ID not IsZero")
	}
}
