package randid

import "testing"

func TestNewIsValid(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := New("usr_", 9)
		if !Valid(id, "usr_", 9) || len(id) != 16 || seen[id] {
			t.Fatalf("New made %q (valid %v, seen %v)", id, Valid(id, "usr_", 9), seen[id])
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "usr_", "usr_AAAAAAAAAAA", "usr_AAAAAAAAAAAAA", "cr_AAAAAAAAAAAA", "usr_AAAAAAAAAAA=", "usr_AAAAAAAAAA+A"} {
		if Valid(bad, "usr_", 9) {
			t.Errorf("Valid(%q)", bad)
		}
	}
	// 16 bytes end in a character with 4 unused bits: only the canonical one is valid.
	if id := "lxw_" + "AAAAAAAAAAAAAAAAAAAAAB"; Valid(id, "lxw_", 16) {
		t.Errorf("non-canonical %q is valid", id)
	}
}
