// Package users holds the people of a tenant who work in the console: agents, supervisors and
// admins, their skills and capacity, their passwords (argon2id, password.go) and the rules the api
// function enforces on them. Sign-in sessions are shared/auth's (sessions.go there): a signed-in
// person is a Principal with a UserID, resolved by the same authenticator as API keys.
//
// Layout in the one table (tenant items):
//   - KindUser, id = user id ("usr_…"): the User.
//   - KindUsername, id = the login name: {user_id}, created and deleted in the user's transaction,
//     so that a login name is unique within the tenant and sign-in finds the user by it.
//
// A person signs in with the tenant's id (the slug in the console's address, e.g. "acme"), the
// login name and the password: login names are unique within a tenant only.
package users

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/randid"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// Store kinds.
const (
	KindUser     = "user"
	KindUsername = "username"
)

// Limits.
const (
	MaxUsernameLen    = 64
	MaxDisplayNameLen = 100
	MaxSkills         = 50
	MaxSkillLen       = 64
	MaxChatCapacity   = 10
)

// Role is what a person may do in the console: agents handle contacts, supervisors also watch and
// steer the floor, admins also manage the tenant (as an admin API key does).
type Role string

// Roles.
const (
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return auth.Role(r).ValidUser() }

// Skill is something a person can handle, with a proficiency from 1 (learning) to 5 (expert).
type Skill struct {
	Name        string `dynamodbav:"name" json:"name"`
	Proficiency int    `dynamodbav:"proficiency" json:"proficiency"`
}

// Capacity is how many contacts of each channel a person handles at once: voice is always 1,
// chat 0 (no chats) to MaxChatCapacity.
type Capacity struct {
	Voice int `dynamodbav:"voice" json:"voice"`
	Chat  int `dynamodbav:"chat" json:"chat"`
}

// User is a person of a tenant. PasswordHash is never shown (json "-").
type User struct {
	ID           string    `dynamodbav:"id" json:"id"`
	Username     string    `dynamodbav:"username" json:"username"`
	DisplayName  string    `dynamodbav:"display_name" json:"display_name"`
	Role         Role      `dynamodbav:"role" json:"role"`
	Disabled     bool      `dynamodbav:"disabled" json:"disabled"`
	Skills       []Skill   `dynamodbav:"skills" json:"skills"`
	Capacity     Capacity  `dynamodbav:"capacity" json:"capacity"`
	SIPAccount   string    `dynamodbav:"sip_account,omitempty" json:"sip_account,omitempty"`
	PasswordHash string    `dynamodbav:"password_hash" json:"-"`
	CreatedAt    time.Time `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt    time.Time `dynamodbav:"updated_at" json:"updated_at"`
}

// UsernameOwner is the KindUsername item.
type UsernameOwner struct {
	UserID string `dynamodbav:"user_id"`
}

// Key is the store key of user id.
func Key(id string) store.Key { return store.Key{Kind: KindUser, ID: id} }

// UsernameKey is the store key of login name username.
func UsernameKey(username string) store.Key { return store.Key{Kind: KindUsername, ID: username} }

// NewID returns a fresh user id.
func NewID() (string, error) { return randid.New(idPrefix, idBytes), nil }

// ValidID reports whether id may be a user id (as NewID makes them).
func ValidID(id string) bool { return randid.Valid(id, idPrefix, idBytes) }

// A user id is "usr_" and 9 random bytes.
const (
	idPrefix = "usr_"
	idBytes  = 9
)

// UsernameRule says what ValidUsername wants.
const UsernameRule = "must be 1–64 lower-case letters, digits and '.', '_', '-', '+', '@', starting with a letter or digit (an e-mail address will do)"

// ValidUsername reports whether s may be a login name. One case only, so that two people never
// differ only by case; callers lower-case what people type.
func ValidUsername(s string) bool {
	if s == "" || len(s) > MaxUsernameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune("._-+@", rune(c))) {
			return false
		}
	}
	return true
}

// Patch is a change to a user: nil fields are left as they are. A create is a Patch over the zero
// User with Username, DisplayName, Role and Password required.
type Patch struct {
	Username    *string   `json:"username,omitempty"`
	DisplayName *string   `json:"display_name,omitempty"`
	Role        *Role     `json:"role,omitempty"`
	Disabled    *bool     `json:"disabled,omitempty"`
	Skills      *[]Skill  `json:"skills,omitempty"`
	Capacity    *Capacity `json:"capacity,omitempty"`
	// SIPAccount links the user to a softphone account of the tenant (/v1/sip-accounts) for the
	// SIP credentials; "" removes the link.
	SIPAccount *string `json:"sip_account,omitempty"`
	// Password is write-only: only its argon2id hash is stored.
	Password *string `json:"password,omitempty"`
}

// Check reports every field of p that is bad on its own, as JSON pointers; create says whether
// the required fields must be there.
func (p Patch) Check(create bool) []httpapi.FieldError {
	var fe []httpapi.FieldError
	bad := func(field, reason string) { fe = append(fe, httpapi.FieldError{Field: field, Reason: reason}) }
	required := func(present bool, field string) bool {
		if !present && create {
			bad(field, "is required")
		}
		return present
	}
	if required(p.Username != nil, "/username") && !ValidUsername(*p.Username) {
		bad("/username", UsernameRule)
	}
	if required(p.DisplayName != nil, "/display_name") {
		if n := utf8.RuneCountInString(strings.TrimSpace(*p.DisplayName)); n == 0 || n > MaxDisplayNameLen || !utf8.ValidString(*p.DisplayName) {
			bad("/display_name", fmt.Sprintf("must be 1–%d characters", MaxDisplayNameLen))
		}
	}
	if required(p.Role != nil, "/role") && !p.Role.Valid() {
		bad("/role", `must be "agent", "supervisor" or "admin"`)
	}
	if p.Skills != nil {
		if len(*p.Skills) > MaxSkills {
			bad("/skills", fmt.Sprintf("must have at most %d skills", MaxSkills))
		}
		seen := map[string]bool{}
		for i, s := range *p.Skills {
			if !validSkill(s.Name) {
				bad(fmt.Sprintf("/skills/%d/name", i), fmt.Sprintf("must be 1–%d lower-case letters, digits, '_' and '-'", MaxSkillLen))
			} else if seen[s.Name] {
				bad(fmt.Sprintf("/skills/%d/name", i), "is listed twice")
			}
			seen[s.Name] = true
			if s.Proficiency < 1 || s.Proficiency > 5 {
				bad(fmt.Sprintf("/skills/%d/proficiency", i), "must be 1 to 5")
			}
		}
	}
	if p.Capacity != nil {
		if p.Capacity.Voice != 1 {
			bad("/capacity/voice", "must be 1 (one call at a time)")
		}
		if p.Capacity.Chat < 0 || p.Capacity.Chat > MaxChatCapacity {
			bad("/capacity/chat", fmt.Sprintf("must be 0 to %d", MaxChatCapacity))
		}
	}
	if p.SIPAccount != nil && *p.SIPAccount != "" && !voicecfg.ValidUsername(*p.SIPAccount) {
		bad("/sip_account", voicecfg.UsernameRule)
	}
	if required(p.Password != nil, "/password") {
		if err := CheckPassword(*p.Password); err != nil {
			bad("/password", err.Error())
		}
	}
	return fe
}

func validSkill(s string) bool {
	if s == "" || len(s) > MaxSkillLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// DefaultCapacity is a new user's capacity when the create names none.
var DefaultCapacity = Capacity{Voice: 1, Chat: 3}

// Apply returns u changed by p (checked with Check); it hashes a new password.
func (p Patch) Apply(u User, now time.Time) (User, error) {
	if p.Username != nil {
		u.Username = *p.Username
	}
	if p.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*p.DisplayName)
	}
	if p.Role != nil {
		u.Role = *p.Role
	}
	if p.Disabled != nil {
		u.Disabled = *p.Disabled
	}
	if p.Skills != nil {
		u.Skills = append([]Skill{}, *p.Skills...)
	}
	if u.Skills == nil {
		u.Skills = []Skill{}
	}
	if p.Capacity != nil {
		u.Capacity = *p.Capacity
	}
	if u.Capacity == (Capacity{}) {
		u.Capacity = DefaultCapacity
	}
	if p.SIPAccount != nil {
		u.SIPAccount = *p.SIPAccount
	}
	if p.Password != nil {
		h, err := HashPassword(*p.Password)
		if err != nil {
			return u, err
		}
		u.PasswordHash = h
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	u.UpdatedAt = now
	return u, nil
}

// EndsSessions reports whether a change from old to u must end u's sessions: a new password, role
// or login name, or disabling.
func EndsSessions(old, u User) bool {
	return old.PasswordHash != u.PasswordHash || old.Role != u.Role || old.Username != u.Username || u.Disabled && !old.Disabled
}
