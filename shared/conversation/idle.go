package conversation

// idle.go: a conversation the customer leaves without ending it is ended after an idle timeout,
// so it stops counting as live (the live_conversations quota) and its contact.ended tells
// forecasting that the customer left.
//
// Nothing waits: when a conversation starts, the service schedules an idle check for it (an
// IdleScheduler: a delayed SQS message, shared/idlequeue) before it commits the conversation, so
// a committed conversation always has one. The idle function (functions/idle) runs CheckIdle when
// the check comes due: a conversation without a turn for its timeout is ended in a conditional
// write at the version it read, with its live count, like any turn; one that had a turn meanwhile
// gets a new check for when its timeout would run out. A turn that commits first makes the check's
// write fail and the check runs again on the new state (and finds it not idle); a check that
// commits first ends the conversation and the turn gets ErrEnded. A check of a conversation that
// is gone or ended does nothing, so a check delivered twice is harmless.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/tenant"
)

// VoiceIdleTimeout ends a call's conversation that had no turn for this long. A call in the bot's
// hands has a turn at least every gather timeout; a call transferred to an agent, or one whose
// hangup never reached the service, gets no more turns and must stop counting as live.
const VoiceIdleTimeout = 10 * time.Minute

// IdleScheduler asks for CheckIdle of t's conversation id to run after a delay (at least; a
// scheduler may cap the delay, the check then schedules itself again).
type IdleScheduler interface {
	ScheduleIdleCheck(ctx context.Context, t tenant.ID, id string, after time.Duration) error
}

// IdleTimeout is how long c may go without a turn under the settings set.
func IdleTimeout(set botconfig.Settings, ch events.Channel) time.Duration {
	if ch == events.ChannelVoice {
		return VoiceIdleTimeout
	}
	return set.IdleTimeout()
}

// scheduleIdle asks for the first idle check of a new conversation.
func (s *Service) scheduleIdle(ctx context.Context, t tenant.ID, c *Conversation, set botconfig.Settings) error {
	if s.idle == nil {
		return nil
	}
	if err := s.idle.ScheduleIdleCheck(ctx, t, c.ID, IdleTimeout(set, c.Channel)); err != nil {
		return fmt.Errorf("schedule idle check of %s: %w", c.ID, err)
	}
	return nil
}

// IdleCheck is what CheckIdle did.
type IdleCheck struct {
	// Ended is set when the check ended the conversation; Outcome is then its contact's outcome.
	Ended   bool
	Outcome events.Outcome
	// Next is when the conversation becomes idle, if it had a turn since: a new check was
	// scheduled for then.
	Next time.Duration
}

// stillActive is the turn function's answer for a conversation that is not idle yet.
type stillActive struct{ left time.Duration }

func (e *stillActive) Error() string { return fmt.Sprintf("conversation active; idle in %s", e.left) }

// CheckIdle ends t's conversation id if it had no turn for its idle timeout: state ended,
// contact.ended with the outcome the customer leaving gives (abandoned, or resolved_by_bot after
// the bot answered, or handed_off after a handoff), its end and duration at its last turn, one
// live conversation fewer, all in one conditional write. A conversation that is not idle yet gets
// a new check. A conversation that is gone or already ended needs nothing.
func (s *Service) CheckIdle(ctx context.Context, t tenant.ID, id string) (IdleCheck, error) {
	var ended events.Outcome
	_, err := s.update(ctx, t, id, "", func(c *Conversation, set botconfig.Settings, now time.Time) (*decision, error) {
		last := c.UpdatedAt
		idle := now.Sub(last)
		if timeout := IdleTimeout(set, c.Channel); idle < timeout {
			return nil, &stillActive{left: timeout - idle}
		}
		// The customer left after the last turn: the contact ended then.
		d := decideEnd(newLoaded(t, set, s.minMatch, s.minConf), c, last)
		d.c.IdleEnded = true
		ended = d.c.Outcome
		return d, nil
	})
	var active *stillActive
	switch {
	case err == nil:
		s.log.InfoContext(ctx, "idle conversation ended", "tenant", t, "conversation", id, "outcome", ended)
		return IdleCheck{Ended: true, Outcome: ended}, nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrEnded):
		return IdleCheck{}, nil
	case errors.As(err, &active):
		if s.idle == nil {
			return IdleCheck{Next: active.left}, nil
		}
		if err := s.idle.ScheduleIdleCheck(ctx, t, id, active.left); err != nil {
			return IdleCheck{}, fmt.Errorf("schedule idle check of %s again: %w", id, err)
		}
		return IdleCheck{Next: active.left}, nil
	}
	return IdleCheck{}, fmt.Errorf("idle check of %s: %w", id, err)
}
