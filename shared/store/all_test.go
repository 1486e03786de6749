package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/lingxi/lingxi/shared/tenant"
)

// pageCounter counts the pages read through it.
type pageCounter struct {
	q     Querier
	pages int
}

func (c *pageCounter) Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page PageRequest) (QueryResult, error) {
	c.pages++
	return c.q.Query(ctx, t, kind, idPrefix, page)
}

// Records and QueryAll: every page in id order, a bound that says there were more, and a caller
// that stops early reads no further page.
func TestRecordsAndQueryAll(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	var ids []string
	for i := range 7 {
		id := fmt.Sprintf("c-%02d", i)
		ids = append(ids, id)
		if err := e.s.Create(e.ctx, acme, Key{Kind: "contact", ID: id}, doc{Name: id, N: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.PlatformCreate(e.ctx, Key{Kind: "contact", ID: "p-00"}, doc{Name: "p-00"}); err != nil {
		t.Fatal(err)
	}

	var got []string
	for rec, err := range Records(e.ctx, e.s, acme, "contact", "", PageRequest{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.Key.ID)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("Records: %v, want %v", got, ids)
	}

	c := &pageCounter{q: e.s}
	for range Records(e.ctx, c, acme, "contact", "", PageRequest{Limit: 2}) {
		break
	}
	if c.pages != 1 {
		t.Fatalf("stopping after the first record read %d pages", c.pages)
	}

	var platform []string
	for rec, err := range PlatformRecords(e.ctx, e.s, "contact", "", PageRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		platform = append(platform, rec.Key.ID)
	}
	if !slices.Equal(platform, []string{"p-00"}) {
		t.Fatalf("PlatformRecords: %v", platform)
	}

	tests := map[string]struct {
		max  int
		want int
		more bool
	}{
		"all":           {max: -1, want: 7},
		"bound above":   {max: 8, want: 7},
		"bound equal":   {max: 7, want: 7},
		"bound below":   {max: 3, want: 3, more: true},
		"bound of none": {max: 0, want: 0, more: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			docs, more, err := QueryAll[doc](e.ctx, e.s, acme, "contact", "c-", tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != tc.want || more != tc.more {
				t.Fatalf("%d items, more %v; want %d, %v", len(docs), more, tc.want, tc.more)
			}
			for i, d := range docs {
				if d.N != i {
					t.Fatalf("item %d is %+v", i, d)
				}
			}
		})
	}
}
