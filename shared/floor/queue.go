package floor

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/routing"
	"github.com/lingxi/lingxi/shared/store"
)

// KindQueue is the store kind of queue definitions.
const KindQueue = "queue"

// QueueKey is the store key of queue id.
func QueueKey(id string) store.Key { return store.Key{Kind: KindQueue, ID: id} }

// Limits of a queue definition.
const (
	MaxQueueNameLen     = 128
	MaxQueueSkills      = 20
	MaxOverflowSteps    = 5
	MaxQueuePriority    = 100
	MaxTargetSeconds    = 3600
	MaxWaitSecondsLimit = 86400
	MinOfferTimeout     = 5
	MaxOfferTimeout     = 300
)

// DefaultOfferTimeout is how long an agent has to accept an offer when the queue names no
// OfferTimeoutSeconds.
const DefaultOfferTimeout = 20 * time.Second

// Queue is where contacts wait for agents with its skills, and how they are routed.
type Queue struct {
	ID   string `dynamodbav:"id" json:"id"`
	Name string `dynamodbav:"name" json:"name"`
	// Skills are what an agent must all have (proficiency ≥ 1) to be offered the queue's contacts.
	Skills []string `dynamodbav:"skills" json:"skills"`
	// BackupSkills widen the queue on an overflow step that names neither skills nor a queue.
	BackupSkills []string `dynamodbav:"backup_skills,omitempty" json:"backup_skills,omitempty"`
	// Priority is added to every contact's own priority; higher is served first (with aging).
	Priority int `dynamodbav:"priority" json:"priority"`
	// TargetSeconds and TargetPercent are the service level: answer TargetPercent of contacts
	// within TargetSeconds.
	TargetSeconds int `dynamodbav:"target_seconds" json:"target_seconds"`
	TargetPercent int `dynamodbav:"target_percent" json:"target_percent"`
	// Overflow are the bullseye steps: after each step's AfterSeconds of waiting, agents with its
	// Skills (or ToQueue's skills, or else BackupSkills) may take the contact too.
	Overflow []Overflow `dynamodbav:"overflow,omitempty" json:"overflow,omitempty"`
	// MaxWaitSeconds, when positive, is the longest a contact waits: then it is abandoned
	// (reason max_wait), or with Callback kept waiting with the attribute callback_offered=true.
	MaxWaitSeconds int  `dynamodbav:"max_wait_seconds" json:"max_wait_seconds"`
	Callback       bool `dynamodbav:"callback" json:"callback"`
	// OfferTimeoutSeconds is how long an agent has to accept an offer; 0 means 20 s.
	OfferTimeoutSeconds int       `dynamodbav:"offer_timeout_seconds" json:"offer_timeout_seconds"`
	CreatedAt           time.Time `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt           time.Time `dynamodbav:"updated_at" json:"updated_at"`
}

// Overflow is one bullseye step of a queue.
type Overflow struct {
	AfterSeconds int      `dynamodbav:"after_seconds" json:"after_seconds"`
	Skills       []string `dynamodbav:"skills,omitempty" json:"skills,omitempty"`
	ToQueue      string   `dynamodbav:"to_queue,omitempty" json:"to_queue,omitempty"`
}

// NewDefaultQueue is the queue every tenant starts with (botconfig.DefaultQueue): no skills
// required, 80% within 20 s.
func NewDefaultQueue(now time.Time) Queue {
	return Queue{ID: botconfig.DefaultQueue, Name: "General", Skills: []string{}, TargetSeconds: 20, TargetPercent: 80,
		CreatedAt: now, UpdatedAt: now}
}

// OfferTimeout is how long an agent has to accept an offer of the queue.
func (q Queue) OfferTimeout() time.Duration {
	if q.OfferTimeoutSeconds > 0 {
		return time.Duration(q.OfferTimeoutSeconds) * time.Second
	}
	return DefaultOfferTimeout
}

var reSkill = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// SkillRule is the rule for a skill name (the same as shared/users').
const SkillRule = "must be 1–64 lower-case letters, digits, '_' and '-'"

// Check reports every field of q that breaks a rule, as JSON pointers (the api routes' 400).
func (q Queue) Check() []httpapi.FieldError {
	var fe []httpapi.FieldError
	bad := func(field, reason string) { fe = append(fe, httpapi.FieldError{Field: field, Reason: reason}) }
	if !botconfig.ValidID(q.ID) {
		bad("/id", botconfig.IDRule)
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(q.Name)); n == 0 || n > MaxQueueNameLen || !utf8.ValidString(q.Name) {
		bad("/name", fmt.Sprintf("must be 1–%d characters", MaxQueueNameLen))
	}
	checkSkills := func(ptr string, skills []string) {
		if len(skills) > MaxQueueSkills {
			bad(ptr, fmt.Sprintf("must have at most %d skills", MaxQueueSkills))
			return
		}
		seen := map[string]bool{}
		for i, s := range skills {
			switch {
			case !reSkill.MatchString(s):
				bad(fmt.Sprintf("%s/%d", ptr, i), SkillRule)
			case seen[s]:
				bad(fmt.Sprintf("%s/%d", ptr, i), "is listed twice")
			}
			seen[s] = true
		}
	}
	checkSkills("/skills", q.Skills)
	checkSkills("/backup_skills", q.BackupSkills)
	if q.Priority < -MaxQueuePriority || q.Priority > MaxQueuePriority {
		bad("/priority", fmt.Sprintf("must be %d to %d", -MaxQueuePriority, MaxQueuePriority))
	}
	if q.TargetSeconds < 0 || q.TargetSeconds > MaxTargetSeconds {
		bad("/target_seconds", fmt.Sprintf("must be 0 to %d", MaxTargetSeconds))
	}
	if q.TargetPercent < 0 || q.TargetPercent > 100 {
		bad("/target_percent", "must be 0 to 100")
	}
	if len(q.Overflow) > MaxOverflowSteps {
		bad("/overflow", fmt.Sprintf("must have at most %d steps", MaxOverflowSteps))
	}
	last := 0
	for i, o := range q.Overflow {
		ptr := fmt.Sprintf("/overflow/%d", i)
		switch {
		case o.AfterSeconds < 1 || o.AfterSeconds > MaxWaitSecondsLimit:
			bad(ptr+"/after_seconds", fmt.Sprintf("must be 1 to %d", MaxWaitSecondsLimit))
		case o.AfterSeconds <= last:
			bad(ptr+"/after_seconds", "must be later than the step before")
		}
		last = max(last, o.AfterSeconds)
		checkSkills(ptr+"/skills", o.Skills)
		if o.ToQueue != "" && (!botconfig.ValidID(o.ToQueue) || o.ToQueue == q.ID) {
			bad(ptr+"/to_queue", "must be another queue's id")
		}
		if len(o.Skills) > 0 && o.ToQueue != "" {
			bad(ptr, "give skills or to_queue, not both")
		}
	}
	if q.MaxWaitSeconds < 0 || q.MaxWaitSeconds > MaxWaitSecondsLimit {
		bad("/max_wait_seconds", fmt.Sprintf("must be 0 (no limit) to %d", MaxWaitSecondsLimit))
	}
	if q.Callback && q.MaxWaitSeconds == 0 {
		bad("/callback", "needs max_wait_seconds: the callback is offered when the wait reaches it")
	}
	if q.OfferTimeoutSeconds != 0 && (q.OfferTimeoutSeconds < MinOfferTimeout || q.OfferTimeoutSeconds > MaxOfferTimeout) {
		bad("/offer_timeout_seconds", fmt.Sprintf("must be 0 (20 s) or %d to %d", MinOfferTimeout, MaxOfferTimeout))
	}
	return fe
}

// Routing is q as the decision core reads it; its Name is the queue's id (routing keys queues by
// the contacts' Queue, which is the id).
func (q Queue) Routing() routing.Queue {
	rq := routing.Queue{
		Name:           q.ID,
		RequiredSkills: q.Skills,
		BackupSkills:   q.BackupSkills,
		Priority:       q.Priority,
		ServiceLevel:   routing.ServiceLevel{Percent: q.TargetPercent, Threshold: time.Duration(q.TargetSeconds) * time.Second},
		MaxWait:        time.Duration(q.MaxWaitSeconds) * time.Second,
	}
	for _, o := range q.Overflow {
		rq.Overflow = append(rq.Overflow, routing.OverflowRule{After: time.Duration(o.AfterSeconds) * time.Second, Skills: o.Skills, ToQueue: o.ToQueue})
	}
	return rq
}
