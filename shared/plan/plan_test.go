package plan

import (
	"context"
	"errors"
	"testing"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

type getterFunc func(out any) (int64, error)

func (f getterFunc) Get(_ context.Context, _ tenant.ID, _ store.Key, out any) (int64, error) {
	return f(out)
}

func TestEffectiveFillsZeroFields(t *testing.T) {
	p := Plan{Quotas: Quotas{Intents: 7}, RateLimits: RateLimits{Chat: RateLimit{Rate: 3}}}.Effective()
	want := Default()
	want.Quotas.Intents = 7
	want.RateLimits.Chat.Rate = 3
	if p != want {
		t.Fatalf("Effective = %+v, want %+v", p, want)
	}
}

func TestLoad(t *testing.T) {
	tn, _ := tenant.Parse("acme")
	tests := map[string]struct {
		get     getterFunc
		want    Plan
		wantErr bool
	}{
		"no item: defaults": {
			get:  func(any) (int64, error) { return 0, store.ErrNotFound },
			want: Default(),
		},
		"stored item: filled in": {
			get: func(out any) (int64, error) {
				out.(*Plan).Quotas.Flows = 3
				return 2, nil
			},
			want: func() Plan { p := Default(); p.Quotas.Flows = 3; return p }(),
		},
		"store error": {
			get:     func(any) (int64, error) { return 0, errors.New("boom") },
			wantErr: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, _, err := Load(context.Background(), tc.get, tn)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tc.wantErr && got != tc.want {
				t.Fatalf("Load = %+v, want %+v", got, tc.want)
			}
		})
	}
}
