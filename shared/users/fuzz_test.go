package users

import "testing"

// Stored hashes are parsed on every sign-in: no input may panic or pass bad parameters on.
func FuzzVerifyPassword(f *testing.F) {
	h, _ := HashPassword("seed password")
	f.Add(h, "seed password")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "x")
	f.Add("$argon2id$v=19$m=0,t=0,p=0$$", "")
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		d, err := parsePHC(encoded)
		if err != nil {
			return
		}
		if d.m > maxMemory || d.t > maxTime || d.p == 0 || len(d.salt) < 8 || len(d.h) < 16 {
			t.Fatalf("parsed out-of-range parameters from %q: %+v", encoded, d)
		}
	})
}

func FuzzValidUsername(f *testing.F) {
	for _, s := range []string{"alice", "alice@example.com", "", ".x", "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidUsername(s) && (len(s) > MaxUsernameLen || s[0] == '.' || s[0] == '@') {
			t.Fatalf("accepted %q", s)
		}
	})
}
