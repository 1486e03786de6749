package floor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
)

// SetState sets user userID's presence state (agent.state when it changes), copying their name,
// skills, capacity and SIP account from the user (shared/users). reason is an
// events.AgentStateReason ("self", "supervisor", "sign_out", …), by who asks ("user/<id>").
// Becoming available clears the agent's misses. Contacts the agent has stay theirs whatever the
// state. A disabled user may only go offline (ErrWrongState); an unknown one is ErrNotFound.
func (f *Floor) SetState(ctx context.Context, t tenant.ID, userID string, s AgentState, reason, by string) (Presence, error) {
	if !s.Valid() || by == "" {
		return Presence{}, fmt.Errorf("set state of %s: %w: state %q, by %q", userID, ErrInvalid, s, by)
	}
	var u users.User
	if _, err := f.db.Get(ctx, t, users.Key(userID), &u); err != nil {
		return Presence{}, fmt.Errorf("set state of %s: read user: %w", userID, err)
	}
	if u.Disabled && s != AgentOffline {
		return Presence{}, fmt.Errorf("set state of %s: user is disabled: %w", userID, ErrWrongState)
	}
	var out Presence
	err := retry(ctx, func() error {
		p, pv, err := f.Presence(ctx, t, userID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := f.clock()
		prev := p.State
		if pv == 0 {
			prev = AgentOffline
			p = Presence{State: AgentOffline, Since: now, IdleSince: now}
		}
		p = p.fromUser(u)
		e := evs{t: t}
		if prev != s {
			e.add(events.TypeAgentState, userID, events.AgentState{AgentID: userID, State: events.AgentStatus(s),
				Previous: events.AgentStatus(prev), Reason: events.AgentStateReason(reason), By: by})
			if e.err != nil {
				return fmt.Errorf("set state of %s: %w: %w", userID, ErrInvalid, e.err)
			}
			p.State, p.Since = s, now
			if s == AgentAvailable {
				p.Missed, p.MissedAt = 0, time.Time{}
				if len(p.Slots) == 0 {
					p.IdleSince = now
				}
			}
		}
		if err := f.commit.Commit(ctx, []store.Op{store.PutOp(t, PresenceKey(userID), p, pv)}, e.out...); err != nil {
			return fmt.Errorf("set state of %s: %w", userID, err)
		}
		out = p
		return nil
	})
	return out, err
}

// Refresh copies user userID's name, skills, capacity and SIP account into their presence after
// the user changed (user.changed); a deleted or disabled user goes offline (agent.state, reason
// sign_out, by "dispatch"). present is false when the user has no presence (nothing to do).
func (f *Floor) Refresh(ctx context.Context, t tenant.ID, userID string) (p Presence, present bool, err error) {
	var u users.User
	_, uerr := f.db.Get(ctx, t, users.Key(userID), &u)
	if uerr != nil && !errors.Is(uerr, store.ErrNotFound) {
		return Presence{}, false, fmt.Errorf("refresh %s: read user: %w", userID, uerr)
	}
	gone := uerr != nil || u.Disabled
	err = retry(ctx, func() error {
		cur, pv, err := f.Presence(ctx, t, userID)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				present = false
				return nil
			}
			return err
		}
		present = true
		next := cur
		e := evs{t: t}
		if !gone {
			next = cur.fromUser(u)
		} else if cur.State != AgentOffline {
			e.add(events.TypeAgentState, userID, events.AgentState{AgentID: userID, State: events.AgentOffline,
				Previous: events.AgentStatus(cur.State), Reason: events.AgentReasonSignOut, By: "dispatch"})
			next.State, next.Since = AgentOffline, f.clock()
		} else {
			p = cur
			return nil
		}
		if e.err != nil {
			return e.err
		}
		if err := f.commit.Commit(ctx, []store.Op{store.PutOp(t, PresenceKey(userID), next, pv)}, e.out...); err != nil {
			return fmt.Errorf("refresh %s: %w", userID, err)
		}
		p = next
		return nil
	})
	return p, present, err
}
