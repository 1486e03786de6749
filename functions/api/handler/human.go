package handler

// human.go: the human-service routes (issue 10) as one group: queues (queues.go), contacts
// (contacts.go), agents' states (agents.go), canned responses (canned.go) and knowledge search
// (knowledge.go). Their contract entries are in human_contract.go. Without WithFloor the routes
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
	End(ctx context.Context, t tenant.ID, id string) (conversation.Reply, error)
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

func (api *API) humanRoutes() {
	api.queueRoutes()
	api.contactRoutes()
	api.agentRoutes()
	api.cannedRoutes()
	api.knowledgeRoutes()
}
