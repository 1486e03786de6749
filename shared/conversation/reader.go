package conversation

import (
	"context"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/tenant"
)

// reader reads the tenant's bot configuration for one turn, each intent and flow at most once: a
// turn that recognises an intent and then hands off to its queue, or starts the flow it names
// and later reads it again, reads the item once.
type reader struct {
	s       *Service
	t       tenant.ID
	intents map[string]intentRead
	flows   map[string]flowRead
}

type intentRead struct {
	in  botconfig.Intent
	ok  bool
	err error
}

type flowRead struct {
	f   *dialog.Flow
	ok  bool
	err error
}

func newReader(s *Service, t tenant.ID) *reader {
	return &reader{s: s, t: t, intents: map[string]intentRead{}, flows: map[string]flowRead{}}
}

// intent is Service.intent, read once per turn.
func (r *reader) intent(ctx context.Context, id string) (botconfig.Intent, bool, error) {
	got, seen := r.intents[id]
	if !seen {
		got.in, got.ok, got.err = r.s.intent(ctx, r.t, id)
		if got.err == nil {
			r.intents[id] = got
		}
	}
	return got.in, got.ok, got.err
}

// flow is Service.flow, read once per turn.
func (r *reader) flow(ctx context.Context, id string) (*dialog.Flow, bool, error) {
	got, seen := r.flows[id]
	if !seen {
		got.f, got.ok, got.err = r.s.flow(ctx, r.t, id)
		r.flows[id] = got
	}
	return got.f, got.ok, got.err
}

// article is Service.article (each turn answers with one article at most).
func (r *reader) article(ctx context.Context, id string) (botconfig.Article, bool, error) {
	return r.s.article(ctx, r.t, id)
}
