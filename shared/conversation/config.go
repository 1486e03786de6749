package conversation

import (
	"context"
	"errors"
	"fmt"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/dialog"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// settings reads the tenant's bot settings; a tenant that has none gets the zero Settings (every
// field then takes its default).
func (s *Service) settings(ctx context.Context, t tenant.ID) (botconfig.Settings, error) {
	var st botconfig.Settings
	_, err := s.db.Get(ctx, t, store.Key{Kind: botconfig.KindSettings, ID: botconfig.SettingsID}, &st)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return botconfig.Settings{}, fmt.Errorf("read bot settings: %w", err)
	}
	return st, nil
}

// intent reads one intent; false when the tenant has no such intent.
func (s *Service) intent(ctx context.Context, t tenant.ID, id string) (botconfig.Intent, bool, error) {
	var in botconfig.Intent
	_, err := s.db.Get(ctx, t, store.Key{Kind: botconfig.KindIntent, ID: id}, &in)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalidKey):
		return botconfig.Intent{}, false, nil
	case err != nil:
		return botconfig.Intent{}, false, fmt.Errorf("read intent %s: %w", id, err)
	}
	if in.ID == "" {
		in.ID = id
	}
	return in, true, nil
}

// article reads one knowledge-base article; false when there is none.
func (s *Service) article(ctx context.Context, t tenant.ID, id string) (botconfig.Article, bool, error) {
	var a botconfig.Article
	_, err := s.db.Get(ctx, t, store.Key{Kind: botconfig.KindArticle, ID: id}, &a)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalidKey):
		return botconfig.Article{}, false, nil
	case err != nil:
		return botconfig.Article{}, false, fmt.Errorf("read article %s: %w", id, err)
	}
	return a, true, nil
}

// flow reads and parses one flow; its Version is the stored item's version unless the definition
// sets one, so a flow edited mid-conversation is noticed (dialog.ErrFlowMismatch). False when
// there is none; an error when it does not parse (the admin API should have refused it).
func (s *Service) flow(ctx context.Context, t tenant.ID, id string) (*dialog.Flow, bool, error) {
	var f botconfig.Flow
	ver, err := s.db.Get(ctx, t, store.Key{Kind: botconfig.KindFlow, ID: id}, &f)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalidKey):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read flow %s: %w", id, err)
	}
	parsed, err := dialog.ParseFlow(f.Definition)
	if err != nil {
		return nil, false, fmt.Errorf("parse flow %s: %w", id, err)
	}
	if parsed.Version == 0 {
		parsed.Version = int(ver)
	}
	return parsed, true, nil
}
