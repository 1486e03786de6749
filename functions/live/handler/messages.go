package handler

import (
	"context"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// Message types pushed (the "type" of each WebSocket message; docs/websocket.md).
const (
	TypeWallboard = "wallboard"
	TypeContact   = "contact"
	TypeAgent     = "agent"
	TypeMessage   = "message"
)

// Contact states of "contact" messages beyond the board's statuses (wallboard.Status*).
const (
	StateAbandoned = "abandoned"
	StateClosed    = "closed"
)

// WallboardMessage is the "wallboard" message: the figures, to supervisors and admins.
type WallboardMessage struct {
	Type string `json:"type"`
	wallboard.Board
}

// ContactMessage is the "contact" message: a contact's new state, to the agents concerned (the one
// it is offered or assigned to, the one it left) and to supervisors. State is queued, offered,
// assigned, wrapup, transferred (to_queue in Queue, to_agent in AgentID; contact.queued or
// contact.offered follows), abandoned or closed.
type ContactMessage struct {
	Type      string `json:"type"`
	ContactID string `json:"contact_id"`
	State     string `json:"state"`
	AgentID   string `json:"agent_id"`
	Queue     string `json:"queue"`
}

// AgentMessage is the "agent" message: an agent's new status, to the agent and supervisors.
type AgentMessage struct {
	Type    string             `json:"type"`
	AgentID string             `json:"agent_id"`
	State   events.AgentStatus `json:"state"`
	Since   time.Time          `json:"since"`
}

// ChatMessage is the "message" message: one message of a conversation (customer, bot or agent),
// to the conversation's visitors and the agent it is assigned to.
type ChatMessage struct {
	Type      string      `json:"type"`
	ContactID string      `json:"contact_id"`
	Role      events.Role `json:"role"`
	Text      string      `json:"text"`
	Time      time.Time   `json:"time"`
	AgentID   string      `json:"agent_id,omitempty"`
}

// contactView is an event's contact as the board knows it.
type contactView struct {
	known bool
	wallboard.Contact
}

func view(s *wallboard.State, e events.Envelope) contactView {
	if e.Type == events.TypeAgentState {
		return contactView{}
	}
	c, ok := s.Contact(e.Subject)
	return contactView{known: ok, Contact: c}
}

// notify pushes the "contact" or "agent" message of an event the board just applied. Push
// failures are logged: a desktop that missed one reads the state again over HTTP.
func (h *Handler) notify(ctx context.Context, t tenant.ID, e events.Envelope, before, after contactView) {
	if e.Type == events.TypeAgentState {
		p, err := events.DataAs[events.AgentState](e)
		if err != nil {
			return
		}
		msg := AgentMessage{Type: TypeAgent, AgentID: p.AgentID, State: p.State, Since: e.Time}
		h.send(ctx, t, e, []string{p.AgentID}, msg)
		return
	}
	msg := ContactMessage{Type: TypeContact, ContactID: e.Subject, AgentID: after.AgentID, Queue: after.Queue}
	if msg.Queue == "" {
		msg.Queue = before.Queue
	}
	agents := []string{before.AgentID, after.AgentID}
	switch e.Type {
	case events.TypeContactQueued:
		msg.State = wallboard.StatusQueued
	case events.TypeContactOffered:
		msg.State = wallboard.StatusOffered
	case events.TypeContactAssigned:
		msg.State = wallboard.StatusAssigned
	case events.TypeContactAbandoned:
		msg.State = StateAbandoned
	case events.TypeContactTransferred:
		p, err := events.DataAs[events.ContactTransferred](e)
		if err != nil {
			return
		}
		msg.State, msg.AgentID, msg.Queue = wallboard.StatusTransferred, p.ToAgent, p.ToQueue
		agents = append(agents, p.FromAgent, p.ToAgent)
	case events.TypeContactEnded:
		if !before.known {
			return // a conversation no person had: nothing on anyone's desk
		}
		msg.State, msg.AgentID = StateClosed, before.AgentID
		if after.known && after.Status == wallboard.StatusWrapup {
			msg.State = wallboard.StatusWrapup
		}
	default: // contact.created: the contact is not queued yet; contact.queued follows
		return
	}
	h.send(ctx, t, e, agents, msg)
}

// send pushes msg to each named agent (once each) and to supervisors.
func (h *Handler) send(ctx context.Context, t tenant.ID, e events.Envelope, agents []string, msg any) {
	done := map[string]bool{"": true}
	for _, a := range agents {
		if done[a] {
			continue
		}
		done[a] = true
		if err := h.push.NotifyUser(ctx, t, a, msg); err != nil {
			h.log.WarnContext(ctx, "live: push to an agent failed", "tenant", t.String(), "event_id", e.ID, "agent", a, "err", err)
		}
	}
	if err := h.push.NotifyRole(ctx, t, auth.RoleSupervisor, msg); err != nil {
		h.log.WarnContext(ctx, "live: push to supervisors failed", "tenant", t.String(), "event_id", e.ID, "err", err)
	}
}

// sendBoard pushes the figures to supervisors (and admins).
func (h *Handler) sendBoard(ctx context.Context, t tenant.ID, b wallboard.Board) {
	if err := h.push.NotifyRole(ctx, t, auth.RoleSupervisor, WallboardMessage{Type: TypeWallboard, Board: b}); err != nil {
		h.log.WarnContext(ctx, "live: push of the wallboard failed", "tenant", t.String(), "day", b.Day, "err", err)
	}
}

// message pushes a chat.message to the conversation's visitors and, when the contact is with an
// agent (assigned or in wrap-up on today's board, nil when it could not be read), to that agent.
func (h *Handler) message(ctx context.Context, t tenant.ID, e events.Envelope, today *wallboard.State) {
	p, err := events.DataAs[events.ChatMessage](e)
	if err != nil {
		return // Event checked it
	}
	msg := ChatMessage{Type: TypeMessage, ContactID: p.ConversationID, Role: p.Role, Text: p.Text, Time: e.Time, AgentID: p.AgentID}
	if err := h.push.NotifyConversation(ctx, t, p.ConversationID, msg); err != nil {
		h.log.WarnContext(ctx, "live: push to the conversation failed", "tenant", t.String(), "event_id", e.ID, "err", err)
	}
	if today == nil {
		return
	}
	if c, ok := today.Contact(p.ConversationID); ok && c.AgentID != "" && (c.Status == wallboard.StatusAssigned || c.Status == wallboard.StatusWrapup) {
		if err := h.push.NotifyUser(ctx, t, c.AgentID, msg); err != nil {
			h.log.WarnContext(ctx, "live: push to the agent failed", "tenant", t.String(), "event_id", e.ID, "agent", c.AgentID, "err", err)
		}
	}
}
