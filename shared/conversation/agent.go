package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Errors of AgentMessage, beside ErrNotFound, ErrEnded and ErrBusy.
var (
	// ErrNotHandedOff: the bot is still talking; a person writes only in a handed-off
	// conversation.
	ErrNotHandedOff = errors.New("conversation is not handed off to a person")
	// ErrInvalidText: the message is empty or longer than MaxTextRunes.
	ErrInvalidText = errors.New("message text is empty or too long")
)

// AgentMessage appends a message of agent agentID to handed-off conversation conversationID of t
// and emits chat.message (role agent, agent_id) with it, so the transcript, the widget (through
// the live consumer's push) and partner webhooks all get it. Whether agentID is the agent assigned
// to the contact is the caller's check (shared/floor). A conversation that changed meanwhile is
// read again, as customer turns are; an ended one is ErrEnded, one the bot still holds
// ErrNotHandedOff.
func (s *Service) AgentMessage(ctx context.Context, t tenant.ID, conversationID, agentID, text string) (Message, error) {
	text = strings.TrimSpace(text)
	if text == "" || !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxTextRunes {
		return Message{}, ErrInvalidText
	}
	if agentID == "" {
		return Message{}, fmt.Errorf("agent message to %s: no agent", conversationID)
	}
	for attempt := range MaxAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return Message{}, err
			}
		}
		c, ver, err := s.load(ctx, t, conversationID)
		if err != nil {
			return Message{}, err
		}
		switch c.State {
		case StateEnded:
			return Message{}, ErrEnded
		case StateHandoff:
		default:
			return Message{}, ErrNotHandedOff
		}
		now := s.now().UTC()
		if now.Before(c.UpdatedAt) {
			now = c.UpdatedAt // messages stay in order even if instances' clocks disagree
		}
		m := Message{Role: events.RoleAgent, Text: text, Time: now, AgentID: agentID}
		c.add(m)
		c.UpdatedAt = now
		ev, err := events.New(t, events.TypeChatMessage, c.ID, Source,
			events.ChatMessage{ConversationID: c.ID, Channel: c.Channel, Role: events.RoleAgent, Text: text, AgentID: agentID})
		if err != nil {
			return Message{}, fmt.Errorf("agent message event of %s: %w", c.ID, err)
		}
		put := store.PutOp(t, store.Key{Kind: Kind, ID: c.ID}, c, ver, store.WithTTL(now.Add(TTL)))
		err = s.commit.Commit(ctx, []store.Op{put}, ev)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return Message{}, fmt.Errorf("commit agent message of %s: %w", c.ID, err)
		}
		return m, nil
	}
	return Message{}, ErrBusy
}
