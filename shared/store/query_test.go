package store

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestQuery(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	var all, c1 []string
	for i := range 25 {
		id := fmt.Sprintf("c-%02d", i)
		all = append(all, id)
		if id >= "c-10" && id < "c-20" {
			c1 = append(c1, id)
		}
		if err := e.s.Create(e.ctx, acme, Key{Kind: "contact", ID: id}, doc{Name: id, N: i}); err != nil {
			t.Fatal(err)
		}
	}
	// Neighbours that must not show: other ids, another kind, a kind that extends this one.
	for _, k := range []Key{{"contact", "d-00"}, {"agent", "c-00"}, {"contacts", "c-00"}, {"contact.x", "c-00"}} {
		if err := e.s.Create(e.ctx, acme, k, doc{Name: k.ID}); err != nil {
			t.Fatal(err)
		}
	}
	all = append(all, "d-00")

	tests := map[string]struct {
		prefix string
		limit  int32
		desc   bool
		want   []string
	}{
		"all, default limit":     {want: all},
		"all, pages of 4":        {limit: 4, want: all},
		"prefix, pages of 3":     {prefix: "c-1", limit: 3, want: c1},
		"prefix, one page":       {prefix: "c-", limit: 100, want: all[:25]},
		"descending, pages of 4": {limit: 4, desc: true, want: reversed(all)},
		"descending prefix":      {prefix: "c-1", limit: 4, desc: true, want: reversed(c1)},
		"no match":               {prefix: "zzz", limit: 4, want: nil},
		"limit equal to count":   {prefix: "c-1", limit: 10, want: c1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			page := PageRequest{Limit: tc.limit, Descending: tc.desc}
			pages := 0
			for {
				res, err := e.s.Query(e.ctx, acme, "contact", tc.prefix, page)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if tc.limit > 0 && len(res.Items) > int(tc.limit) {
					t.Fatalf("page of %d items, limit %d", len(res.Items), tc.limit)
				}
				for _, r := range res.Items {
					var d doc
					if err := r.Decode(&d); err != nil {
						t.Fatal(err)
					}
					if r.Key.Kind != "contact" || d.Name != r.Key.ID || r.Version != 1 || !r.Expires.IsZero() {
						t.Fatalf("record %+v decodes to %+v", r, d)
					}
					got = append(got, r.Key.ID)
				}
				if res.Next == "" {
					break
				}
				if pages > 50 {
					t.Fatal("cursor does not advance")
				}
				page.Cursor = res.Next
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
			if tc.limit > 0 && len(tc.want) > int(tc.limit) && pages < 2 {
				t.Fatalf("%d items in %d page(s) with limit %d", len(got), pages, tc.limit)
			}
		})
	}

	first, err := e.s.Query(e.ctx, acme, "contact", "c-", PageRequest{Limit: 2})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %+v %v", first, err)
	}
	forged := func(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }
	cursors := map[string]struct {
		kind, prefix string
		desc         bool
		cursor       string
	}{
		"another kind":        {kind: "agent", prefix: "c-", cursor: first.Next},
		"another prefix":      {kind: "contact", prefix: "c-1", cursor: first.Next},
		"another direction":   {kind: "contact", prefix: "c-", desc: true, cursor: first.Next},
		"not base64":          {kind: "contact", prefix: "c-", cursor: "not a cursor!"},
		"not json":            {kind: "contact", prefix: "c-", cursor: forged("{")},
		"unknown field":       {kind: "contact", prefix: "c-", cursor: forged(`{"pk":"T#acme#contact","p":"c-","sk":"c-01","x":1}`)},
		"trailing data":       {kind: "contact", prefix: "c-", cursor: forged(`{"pk":"T#acme#contact","p":"c-","sk":"c-01"}{}`)},
		"position off prefix": {kind: "contact", prefix: "c-", cursor: forged(`{"pk":"T#acme#contact","p":"c-","sk":"d-00"}`)},
		"empty position":      {kind: "contact", prefix: "c-", cursor: forged(`{"pk":"T#acme#contact","p":"c-","sk":""}`)},
		"platform partition":  {kind: "contact", prefix: "c-", cursor: forged(`{"pk":"P#contact","p":"c-","sk":"c-01"}`)},
	}
	for name, tc := range cursors {
		t.Run("cursor "+name, func(t *testing.T) {
			_, err := e.s.Query(e.ctx, acme, tc.kind, tc.prefix, PageRequest{Limit: 2, Cursor: tc.cursor, Descending: tc.desc})
			if !errors.Is(err, ErrInvalidCursor) {
				t.Fatalf("err = %v, want ErrInvalidCursor", err)
			}
		})
	}
	t.Run("a well-formed forged cursor of one's own works", func(t *testing.T) {
		res, err := e.s.Query(e.ctx, acme, "contact", "c-", PageRequest{Limit: 2, Cursor: forged(`{"pk":"T#acme#contact","p":"c-","sk":"c-22"}`)})
		if err != nil || len(res.Items) != 2 || res.Items[0].Key.ID != "c-23" {
			t.Fatalf("got %+v, %v", res, err)
		}
	})
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// PlatformQuery pages through platform items of one kind, and its cursors do not open tenant
// partitions (or the reverse).
func TestPlatformQuery(t *testing.T) {
	e := newEnv(t)
	acme := mustTenant(t, "acme")
	for i := range 7 {
		if err := e.s.PlatformCreate(e.ctx, Key{Kind: "outbox", ID: fmt.Sprintf("o-%02d", i)}, doc{N: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.Create(e.ctx, acme, Key{Kind: "outbox", ID: "o-99"}, doc{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	page := PageRequest{Limit: 3}
	var tenantCursor string
	for {
		res, err := e.s.PlatformQuery(e.ctx, "outbox", "o-", page)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Items {
			got = append(got, r.Key.ID)
		}
		if res.Next == "" {
			break
		}
		tenantCursor = res.Next
		page.Cursor = res.Next
	}
	if len(got) != 7 || got[0] != "o-00" || got[6] != "o-06" {
		t.Fatalf("platform query = %v", got)
	}
	if _, err := e.s.Query(e.ctx, acme, "outbox", "o-", PageRequest{Cursor: tenantCursor}); !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("tenant query accepted a platform cursor: %v", err)
	}
}
