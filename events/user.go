package events

// UserChanged (user.changed) records that a person of the tenant (shared/users) was created,
// changed or deleted, or that their sessions were ended. The envelope's subject is "user/<id>".
// It never carries a password, its hash or a session token.
type UserChanged struct {
	// UserID is the user's id ("usr_…").
	UserID string `json:"user_id" jsonschema:"minLength=1,maxLength=64"`
	// Username is the user's login name within the tenant.
	Username string `json:"username" jsonschema:"minLength=1,maxLength=64"`
	// Role is the user's role after the change.
	Role UserRole `json:"role"`
	// Action is what happened.
	Action UserAction `json:"action"`
	// Fields names the fields a change set ("password" among them when it was changed, never its
	// value); absent for other actions.
	Fields []string `json:"fields,omitempty"`
	// Disabled says whether the user may sign in after the change.
	Disabled bool `json:"disabled"`
	// Version is the user's version after the change; 0 when deleted.
	Version int64 `json:"version" jsonschema:"minimum=0"`
	// SessionsEnded counts the sessions the change ended.
	SessionsEnded int `json:"sessions_ended" jsonschema:"minimum=0"`
	// ChangedBy is who made the change: an API key's id or "user/<id>".
	ChangedBy string `json:"changed_by" jsonschema:"minLength=1,maxLength=128"`
}

// UserRole is a person's role.
type UserRole string

// Roles of people.
const (
	UserRoleAgent      UserRole = "agent"
	UserRoleSupervisor UserRole = "supervisor"
	UserRoleAdmin      UserRole = "admin"
)

// UserAction is what happened to a user.
type UserAction string

// User actions.
const (
	UserCreated         UserAction = "created"
	UserUpdated         UserAction = "updated"
	UserDeleted         UserAction = "deleted"
	UserSessionsRevoked UserAction = "sessions_revoked"
)
