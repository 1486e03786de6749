package store

// Reading every page: the one loop over Query's cursors that the functions and shared packages
// use when they need all of a kind's items (or all up to a bound) rather than one page.

import (
	"context"
	"fmt"
	"iter"

	"github.com/lingxi/lingxi/shared/tenant"
)

// Querier is the Query that Records and QueryAll read; *Store is one.
type Querier interface {
	Query(ctx context.Context, t tenant.ID, kind, idPrefix string, page PageRequest) (QueryResult, error)
}

// PlatformQuerier is the PlatformQuery that PlatformRecords reads; *Store is one.
type PlatformQuerier interface {
	PlatformQuery(ctx context.Context, kind, idPrefix string, page PageRequest) (QueryResult, error)
}

var (
	_ Querier         = (*Store)(nil)
	_ PlatformQuerier = (*Store)(nil)
)

// Records yields t's live items of kind whose id starts with idPrefix, page after page from page
// (its Limit is the page size, its Descending the order). It stops after yielding an error; a
// caller that stops early reads no further page.
func Records(ctx context.Context, q Querier, t tenant.ID, kind, idPrefix string, page PageRequest) iter.Seq2[Record, error] {
	return pages(page, func(page PageRequest) (QueryResult, error) {
		return q.Query(ctx, t, kind, idPrefix, page)
	})
}

// PlatformRecords is Records over platform items of kind.
func PlatformRecords(ctx context.Context, q PlatformQuerier, kind, idPrefix string, page PageRequest) iter.Seq2[Record, error] {
	return pages(page, func(page PageRequest) (QueryResult, error) {
		return q.PlatformQuery(ctx, kind, idPrefix, page)
	})
}

func pages(page PageRequest, read func(PageRequest) (QueryResult, error)) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for {
			res, err := read(page)
			if err != nil {
				yield(Record{}, err)
				return
			}
			for _, rec := range res.Items {
				if !yield(rec, nil) {
					return
				}
			}
			if res.Next == "" {
				return
			}
			page.Cursor = res.Next
		}
	}
}

// QueryAll decodes t's items of kind whose id starts with idPrefix, in id order, up to max of
// them (negative: all); more says there were more than max.
func QueryAll[T any](ctx context.Context, q Querier, t tenant.ID, kind, idPrefix string, max int) (items []T, more bool, err error) {
	for rec, err := range Records(ctx, q, t, kind, idPrefix, PageRequest{Limit: MaxLimit}) {
		if err != nil {
			return nil, false, fmt.Errorf("load %s of %s: %w", kind, t, err)
		}
		if len(items) == max {
			return items, true, nil
		}
		var v T
		if err := rec.Decode(&v); err != nil {
			return nil, false, fmt.Errorf("load %s of %s: %w", kind, t, err)
		}
		items = append(items, v)
	}
	return items, false, nil
}
