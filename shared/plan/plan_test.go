package plan

import (
	"context"
	"errors"
	"reflect"
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

// QuotaTable is Quotas, field by field: the same order, each entry pointing at its field and named
// by its tags, so a quota added to one and not the other fails here.
func TestQuotaTableIsQuotas(t *testing.T) {
	typ := reflect.TypeFor[Quotas]()
	if typ.NumField() != len(QuotaTable) {
		t.Fatalf("Quotas has %d fields, QuotaTable %d entries", typ.NumField(), len(QuotaTable))
	}
	var q Quotas
	for i, f := range QuotaTable {
		sf := typ.Field(i)
		if f.Of(&q) != reflect.ValueOf(&q).Elem().Field(i).Addr().Interface().(*int64) {
			t.Errorf("QuotaTable[%d] (%s) does not point at field %s", i, f.Name, sf.Name)
		}
		if sf.Tag.Get("json") != f.Name || sf.Tag.Get("dynamodbav") != f.Name {
			t.Errorf("field %s is tagged %q/%q, its entry is named %q", sf.Name, sf.Tag.Get("json"), sf.Tag.Get("dynamodbav"), f.Name)
		}
		if q.Get(f.Name) != *f.Of(&q) {
			t.Errorf("Get(%q) is not its field", f.Name)
		}
	}
	// The defaults as they were before the table, and the later ones.
	if d := DefaultQuotas(); d != (Quotas{APIKeys: 50, Models: 20, Intents: 500, Articles: 5000, Flows: 200, LiveConversations: 10000,
		WebhookEndpoints: 20, Numbers: 100, Trunks: 20, SIPAccounts: 500, Users: 1000}) {
		t.Fatalf("DefaultQuotas = %+v", d)
	}
}
