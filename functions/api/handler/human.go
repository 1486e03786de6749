package handler

// human.go: the human-service routes (issue 10) as one group: queues (queues.go), contacts
// (contacts.go), agents' states (agents.go), canned responses (canned.go) and knowledge search
// (knowledge.go), the wallboard's figures (wallboard.go). Their contract entries are in human_contract.go. Without WithFloor the routes
// that need the floor answer 503.

import (
	"context"

	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Conversations is what the contact routes need of the chat conversations; *conversation.Service
// is one.
type Conversations interface {
	AgentMessage(ctx context.Context, t tenant.ID, conversationID, agentID, text string) (conversation.Message, error)
	WrapUp(ctx context.Context, t tenant.ID, id string) (conversation.Reply, error)
}

var _ Conversations = (*conversation.Service)(nil)

// humanDeps are the human service's optional dependencies.
type humanDeps struct {
	floor         *floor.Floor
	conversations Conversations
}

// WithFloor serves queues' contacts and agents from f.
func WithFloor(f *floor.Floor) Option { return func(api *API) { api.human.floor = f } }

// WithConversations lets assigned agents write to their customers (POST /v1/contacts/{id}/messages)
// and ends a chat when its contact is wrapped up.
func WithConversations(c Conversations) Option {
	return func(api *API) { api.human.conversations = c }
}

// floorWrites are the human service's runtime writes: a partner queueing a contact, agents
// answering offers, writing to customers, transferring, wrapping up and changing state. They draw
// from the tenant's chat allowance (customer turns and partners' runtime posts), not from the
// configuration writes' few a second: a busy floor makes many.
var floorWrites = map[string]bool{
	"POST /v1/contacts":               true,
	"POST /v1/contacts/{id}/accept":   true,
	"POST /v1/contacts/{id}/decline":  true,
	"POST /v1/contacts/{id}/messages": true,
	"POST /v1/contacts/{id}/transfer": true,
	"POST /v1/contacts/{id}/wrapup":   true,
	"PUT /v1/agents/{id}/state":       true,
}

func (api *API) humanRoutes() {
	api.queueRoutes()
	api.contactRoutes()
	api.agentRoutes()
	api.cannedRoutes()
	api.knowledgeRoutes()
	api.wallboardRoutes()
}
