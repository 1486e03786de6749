package strategy

import (
	"fmt"

	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
)

// Limits of a supervisor's params (Params.Check).
const (
	MaxCallbackAfterSeconds = 3600
	MaxExpectedWaitSeconds  = 86400
	MaxParamList            = 100 // intents, overflow skills
	MaxParamAgents          = 1000
)

// Check says what is wrong with p as an override's params, each a FieldError under prefix
// (e.g. "/params"); nil when the executors can use it. Ranges keep every executor's arithmetic
// finite (a wait in seconds becomes a duration) and the divert link is one partners may text.
func (p Params) Check(prefix string) []jsonptr.FieldError {
	var errs []jsonptr.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, jsonptr.FieldError{Field: prefix + field, Reason: fmt.Sprintf(format, args...)})
	}
	if bad(p.DivertShare) || p.DivertShare < 0 || p.DivertShare > 1 {
		add("/divert_share", "must be a share from 0 to 1")
	}
	if p.DivertLink != "" {
		if why := checkLink(p.DivertLink); why != "" {
			add("/divert_link", "%s", why)
		}
	}
	if p.CallbackAfterSeconds < 0 || p.CallbackAfterSeconds > MaxCallbackAfterSeconds {
		add("/callback_after_seconds", "must be from 0 to %d", MaxCallbackAfterSeconds)
	}
	if p.PromiseMinutes < 0 || p.PromiseMinutes > MaxPromiseMinutes {
		add("/promise_minutes", "must be from 0 to %d", MaxPromiseMinutes)
	}
	if p.ExpectedWaitSeconds < 0 || p.ExpectedWaitSeconds > MaxExpectedWaitSeconds {
		add("/expected_wait_seconds", "must be from 0 to %d", MaxExpectedWaitSeconds)
	}
	if p.Agents < 0 || p.Agents > MaxParamAgents {
		add("/agents", "must be from 0 to %d", MaxParamAgents)
	}
	if len(p.OverflowQueue) > MaxIDLength {
		add("/overflow_queue", "must be a queue id of at most %d characters", MaxIDLength)
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"/intents", p.Intents}, {"/overflow_skills", p.OverflowSkills}, {"/users", p.Users}} {
		name, list := l.name, l.list
		if len(list) > MaxParamList {
			add(name, "must list at most %d", MaxParamList)
			continue
		}
		for i, v := range list {
			if v == "" || len(v) > MaxIDLength {
				add(jsonptr.Index(name, i), "must be an id of 1 to %d characters", MaxIDLength)
			}
		}
	}
	return errs
}
