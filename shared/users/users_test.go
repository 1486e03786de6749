package users

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPasswordHash(t *testing.T) {
	h1, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=65536,t=3,p=4$") || h1 == h2 {
		t.Fatalf("hashes %q %q: want PHC argon2id with a per-hash salt", h1, h2)
	}
	if err := VerifyPassword(h1, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := VerifyPassword(h1, "correct horse batterY"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := VerifyMissing("anything at all"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("missing user: %v", err)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=65536,t=3,p=4$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=99999999,t=3,p=4$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=65536,t=3,p=4$!!$AAAA", strings.Replace(h1, "t=3", "t=03", 1)} {
		if err := VerifyPassword(bad, "x"); err == nil || errors.Is(err, ErrMismatch) {
			t.Fatalf("malformed hash %q: %v", bad, err)
		}
	}
}

func TestPatchCheck(t *testing.T) {
	str := func(s string) *string { return &s }
	role := Role("root")
	skills := []Skill{{Name: "Billing", Proficiency: 3}, {Name: "cards", Proficiency: 6}, {Name: "cards", Proficiency: 2}}
	p := Patch{Username: str("Alice"), DisplayName: str("  "), Role: &role, Skills: &skills,
		Capacity: &Capacity{Voice: 2, Chat: 11}, SIPAccount: str("A B"), Password: str("short")}
	var got []string
	for _, f := range p.Check(true) {
		got = append(got, f.Field)
	}
	want := []string{"/username", "/display_name", "/role", "/skills/0/name", "/skills/1/proficiency", "/skills/2/name",
		"/capacity/voice", "/capacity/chat", "/sip_account", "/password"}
	if !slices.Equal(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	if fe := (Patch{}).Check(true); len(fe) != 4 {
		t.Fatalf("an empty create: %v", fe)
	}
	if fe := (Patch{}).Check(false); len(fe) != 0 {
		t.Fatalf("an empty patch: %v", fe)
	}
	agent := RoleAgent
	ok := Patch{Username: str("alice@example.com"), DisplayName: str(" Alice "), Role: &agent, Password: str("a long passphrase")}
	if fe := ok.Check(true); len(fe) != 0 {
		t.Fatal(fe)
	}
	u, err := ok.Apply(User{ID: "usr_x"}, time.Unix(0, 0))
	if err != nil || u.DisplayName != "Alice" || u.Capacity != DefaultCapacity || u.Skills == nil || VerifyPassword(u.PasswordHash, "a long passphrase") != nil {
		t.Fatalf("applied: %+v %v", u, err)
	}
	if !EndsSessions(u, User{}) || EndsSessions(u, u) {
		t.Fatal("EndsSessions")
	}
}

func TestIDs(t *testing.T) {
	id, err := NewID()
	if err != nil || !ValidID(id) || ValidID("usr_") || ValidID("key_"+id[4:]) {
		t.Fatalf("id %q %v", id, err)
	}
}
