package handler

import (
	"strconv"
	"time"

	"github.com/lingxi/lingxi/shared/conversation"
)

// message is a message as callers see it.
type message struct {
	Role   string    `json:"role"`
	Text   string    `json:"text"`
	Time   time.Time `json:"time"`
	Intent string    `json:"intent,omitempty"`
	// AgentID is the person who wrote a message of role agent.
	AgentID string `json:"agent_id,omitempty"`
}

func messages(turns []conversation.Message) []message {
	out := make([]message, 0, len(turns))
	for _, t := range turns {
		out = append(out, message{Role: string(t.Role), Text: t.Text, Time: t.Time, Intent: t.Intent, AgentID: t.AgentID})
	}
	return out
}

// turnResponse is the answer to a chat turn (and, with Suggestions, to the start).
type turnResponse struct {
	ID           string                `json:"id"`
	Messages     []message             `json:"messages"`
	QuickReplies []string              `json:"quick_replies"`
	Actions      []conversation.Action `json:"actions"`
	State        conversation.State    `json:"state"`
	Language     string                `json:"language,omitempty"`
}

// startResponse is the answer to the start: a turn with the guessed questions.
type startResponse struct {
	turnResponse
	Suggestions []conversation.Suggestion `json:"suggestions"`
}

func startView(r conversation.Reply) startResponse {
	s := r.Suggestions
	if s == nil {
		s = []conversation.Suggestion{}
	}
	return startResponse{turnResponse: turnView(r), Suggestions: s}
}

// turnView renders a reply for chat: the bot's words are the messages, so the actions keep only
// what a chat client must do besides showing them (transfer to an agent, close).
func turnView(r conversation.Reply) turnResponse {
	c := r.Conversation
	out := turnResponse{
		ID: c.ID, Messages: messages(r.Messages), QuickReplies: r.QuickReplies,
		Actions: []conversation.Action{}, State: c.State, Language: string(c.Language),
	}
	for _, a := range r.Actions {
		if a.Type == conversation.ActionTransfer || a.Type == conversation.ActionHangup {
			out.Actions = append(out.Actions, a)
		}
	}
	return out
}

// voiceResponse is the answer to a voice turn: plain actions for the media edge.
type voiceResponse struct {
	ConversationID string                `json:"conversation_id"`
	Actions        []conversation.Action `json:"actions"`
	State          conversation.State    `json:"state"`
	Language       string                `json:"language,omitempty"`
}

func voiceView(r conversation.Reply) voiceResponse {
	c := r.Conversation
	acts := r.Actions
	if acts == nil {
		acts = []conversation.Action{}
	}
	return voiceResponse{ConversationID: c.ID, Actions: acts, State: c.State, Language: string(c.Language)}
}

// transcript is a conversation as GET returns it.
type transcript struct {
	ID            string                    `json:"id"`
	Channel       string                    `json:"channel"`
	Language      string                    `json:"language,omitempty"`
	State         conversation.State        `json:"state"`
	Customer      conversation.Customer     `json:"customer"`
	Messages      []message                 `json:"messages"`
	TotalMessages int                       `json:"total_messages"`
	Truncated     bool                      `json:"truncated"`
	Suggestions   []conversation.Suggestion `json:"suggestions,omitempty"`
	Intent        string                    `json:"intent,omitempty"`
	Queue         string                    `json:"queue,omitempty"`
	HandoffReason string                    `json:"handoff_reason,omitempty"`
	Outcome       string                    `json:"outcome,omitempty"`
	// IdleEnded: the platform ended the conversation after its idle timeout (docs/idle.md).
	IdleEnded bool `json:"idle_ended,omitempty"`
	// QuickReplies are the answers to the survey question the conversation waits for, if any
	// (docs/surveys.md): an ended conversation still takes one of them as a message.
	QuickReplies []string   `json:"quick_replies,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
}

// endView is the answer to an ended conversation: its transcript.
func endView(r conversation.Reply) transcript { return transcriptView(r.Conversation) }

func transcriptView(c *conversation.Conversation) transcript {
	return transcript{
		ID: c.ID, Channel: string(c.Channel), Language: string(c.Language), State: c.State, Customer: c.Customer,
		Messages: messages(c.Messages), TotalMessages: c.TotalMessages, Truncated: c.Truncated(), Suggestions: c.Suggestions,
		Intent: c.Intent, Queue: c.Queue, HandoffReason: string(c.Reason), Outcome: string(c.Outcome),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, EndedAt: c.EndedAt, IdleEnded: c.IdleEnded, QuickReplies: c.SurveyReplies(),
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
