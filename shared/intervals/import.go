package intervals

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/randid"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// importGrace is how long an import that has not switched the head may still be writing: after
// it, its chunks are garbage the next import deletes.
const importGrace = 30 * time.Minute

// importWriters is how many chunk transactions an import runs at once.
const importWriters = 4

// headKey is the tenant's history head: which import holds each series.
var headKey = store.Key{Kind: kindHead, ID: "history"}

// headItem is the history head.
type headItem struct {
	Series []headSeries `dynamodbav:"series"`
}

// headSeries is one imported series as readers find it.
type headSeries struct {
	Queue       string         `dynamodbav:"queue"`
	Channel     events.Channel `dynamodbav:"channel"`
	Import      string         `dynamodbav:"import"`
	StepMinutes int            `dynamodbav:"step_minutes"`
	From        time.Time      `dynamodbav:"from"`
	To          time.Time      `dynamodbav:"to"`
}

// importRecord is written before an import's chunks, so that a failed import's chunks can be
// found and deleted.
type importRecord struct {
	Series    []SeriesRef `dynamodbav:"series"`
	CreatedAt time.Time   `dynamodbav:"created_at"`
}

// ImportSummary is what an import stored.
type ImportSummary struct {
	ImportID string          `json:"import_id"`
	Rows     int             `json:"rows"`
	Series   []SeriesSummary `json:"series"`
	// Replaced lists the series whose earlier imported history this import replaced.
	Replaced []SeriesRef `json:"replaced"`
}

// importStamp is the layout of the time an import id starts with; ids of later imports sort after.
const importStamp = "20060102T150405.000Z"

// stamp is the time part of import id: imports of one millisecond are neither newer.
func stamp(id string) string { return id[:min(len(id), len(importStamp))] }

func histPrefix(importID, queue string, ch events.Channel) string {
	return importID + "|" + queue + "|" + string(ch) + "|"
}

// head reads t's history head and its version (0 when there is none).
func (c *Counters) head(ctx context.Context, t tenant.ID) (headItem, int64, error) {
	var h headItem
	ver, err := c.db.Get(ctx, t, headKey, &h)
	if errors.Is(err, store.ErrNotFound) {
		return headItem{}, 0, nil
	}
	if err != nil {
		return headItem{}, 0, fmt.Errorf("read history head of %s: %w", t, err)
	}
	return h, ver, nil
}

// Import stores h as t's history, all or nothing: each series of h replaces the earlier imported
// history of the same queue and channel, other series stay. The chunks are written under a new
// import id, then one conditional write of the head makes them visible together (doc.go).
func (c *Counters) Import(ctx context.Context, t tenant.ID, h History) (ImportSummary, error) {
	if len(h.series) == 0 {
		return ImportSummary{}, fmt.Errorf("%w: empty history", ErrInvalid)
	}
	// Refused before any chunk is written when the head could not take the new series; switchHead
	// checks again against the head it replaces.
	if cur, _, err := c.head(ctx, t); err != nil {
		return ImportSummary{}, fmt.Errorf("import history of %s: %w", t, err)
	} else if err := roomForSeries(cur, h); err != nil {
		return ImportSummary{}, err
	}
	now := c.now().UTC()
	id := now.Format(importStamp) + "-" + randid.New("", 6)
	rec := importRecord{CreatedAt: now}
	for _, s := range h.series {
		rec.Series = append(rec.Series, SeriesRef{Queue: s.Queue, Channel: s.Channel})
	}
	if err := c.db.Create(ctx, t, store.Key{Kind: kindImport, ID: id}, rec); err != nil {
		return ImportSummary{}, fmt.Errorf("import history of %s: %w", t, err)
	}
	if err := c.writeChunks(ctx, t, id, h); err != nil {
		c.dropImport(context.WithoutCancel(ctx), t, id, rec.Series)
		return ImportSummary{}, fmt.Errorf("import history of %s: %w", t, err)
	}
	var replaced []SeriesRef
	err := error(nil)
	if c.beforeSwitch != nil {
		err = c.beforeSwitch()
	}
	if err == nil {
		replaced, err = c.switchHead(ctx, t, id, h)
	}
	if err != nil {
		c.dropImport(context.WithoutCancel(ctx), t, id, rec.Series)
		return ImportSummary{}, fmt.Errorf("import history of %s: %w", t, err)
	}
	c.collect(context.WithoutCancel(ctx), t)
	return ImportSummary{ImportID: id, Rows: h.rows, Series: h.Summary(), Replaced: replaced}, nil
}

// writeChunks writes every day item of h under import id, MaxTxOps to a transaction.
func (c *Counters) writeChunks(ctx context.Context, t tenant.ID, id string, h History) error {
	var ops []store.Op
	for _, s := range h.series {
		days := map[string]map[string]int64{}
		var order []string
		for i, v := range s.Values {
			at := s.From.Add(time.Duration(i) * s.Step)
			d := day(at)
			if days[d] == nil {
				days[d] = map[string]int64{}
				order = append(order, d)
			}
			if !math.IsNaN(v) {
				days[d][slotName(at)] = int64(v)
			}
		}
		for _, d := range order {
			ops = append(ops, store.CreateOp(t, store.Key{Kind: kindHist, ID: histPrefix(id, s.Queue, s.Channel) + d}, days[d]))
		}
	}
	return c.runTx(ctx, ops)
}

// runTx applies ops in transactions of up to MaxTxOps, importWriters at once; the first error
// stops the rest.
func (c *Counters) runTx(ctx context.Context, ops []store.Op) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	batches := make(chan []store.Op)
	for range importWriters {
		wg.Go(func() {
			for b := range batches {
				if err := c.db.Tx(ctx, b...); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel(err)
					}
					mu.Unlock()
				}
			}
		})
	}
feed:
	for len(ops) > 0 {
		n := min(len(ops), store.MaxTxOps)
		select {
		case batches <- ops[:n]:
			ops = ops[n:]
		case <-ctx.Done():
			break feed
		}
	}
	close(batches)
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}

// switchHead points the head at import id for h's series, unless a newer import holds one of them.
func (c *Counters) switchHead(ctx context.Context, t tenant.ID, id string, h History) ([]SeriesRef, error) {
	for range 5 {
		old, ver, err := c.head(ctx, t)
		if err != nil {
			return nil, err
		}
		next := headItem{Series: slices.Clone(old.Series)}
		var replaced []SeriesRef
		for _, s := range h.series {
			hs := headSeries{Queue: s.Queue, Channel: s.Channel, Import: id, StepMinutes: int(s.Step / time.Minute), From: s.From, To: s.to()}
			i := slices.IndexFunc(next.Series, func(o headSeries) bool { return o.Queue == s.Queue && o.Channel == s.Channel })
			if i < 0 {
				next.Series = append(next.Series, hs)
				continue
			}
			if stamp(next.Series[i].Import) > stamp(id) {
				return nil, fmt.Errorf("%w: %s/%s", ErrNewerImport, s.Queue, s.Channel)
			}
			next.Series[i] = hs
			replaced = append(replaced, SeriesRef{Queue: s.Queue, Channel: s.Channel})
		}
		if len(next.Series) > MaxHistorySeries {
			return nil, roomForSeries(old, h)
		}
		if _, err := c.db.Put(ctx, t, headKey, next, ver); errors.Is(err, store.ErrConflict) {
			continue // another import switched meanwhile: merge again
		} else if err != nil {
			return nil, fmt.Errorf("switch history head: %w", err)
		}
		return replaced, nil
	}
	return nil, fmt.Errorf("switch history head: %w: other imports kept switching it", store.ErrConflict)
}

// roomForSeries is ErrTooLarge when importing h would leave the tenant more than
// MaxHistorySeries imported series (a series imported again replaces itself and takes no room).
func roomForSeries(cur headItem, h History) error {
	n := len(cur.Series)
	for _, s := range h.series {
		if !slices.ContainsFunc(cur.Series, func(o headSeries) bool { return o.Queue == s.Queue && o.Channel == s.Channel }) {
			n++
		}
	}
	if n > MaxHistorySeries {
		return fmt.Errorf("%w: the tenant would have %d imported series (queue and channel pairs); at most %d: import again only series it has (%d)",
			ErrTooLarge, n, MaxHistorySeries, len(cur.Series))
	}
	return nil
}

// collect deletes the chunks no head names: series an import replaced, and imports that never
// switched (after importGrace). Best effort: what it cannot delete now, the next import will.
func (c *Counters) collect(ctx context.Context, t tenant.ID) {
	h, _, err := c.head(ctx, t)
	if err != nil {
		return
	}
	live := map[string]string{} // "queue|channel" → import id
	for _, s := range h.Series {
		live[s.Queue+"|"+string(s.Channel)] = s.Import
	}
	cutoff := c.now().Add(-importGrace)
	for rec, err := range store.Records(ctx, c.db, t, kindImport, "", store.PageRequest{}) {
		if err != nil {
			return
		}
		var ir importRecord
		if rec.Decode(&ir) != nil {
			continue
		}
		var keep, drop []SeriesRef
		for _, s := range ir.Series {
			cur, ok := live[s.Queue+"|"+string(s.Channel)]
			switch {
			case cur == rec.Key.ID:
				keep = append(keep, s)
			case ok && stamp(cur) > stamp(rec.Key.ID), ir.CreatedAt.Before(cutoff):
				drop = append(drop, s)
			default:
				keep = append(keep, s) // maybe still being written
			}
		}
		if len(drop) == 0 {
			continue
		}
		if c.deleteChunks(ctx, t, rec.Key.ID, drop) != nil {
			continue
		}
		if len(keep) == 0 {
			_ = c.db.Delete(ctx, t, rec.Key, 0)
		} else {
			ir.Series = keep
			_, _ = c.db.Put(ctx, t, rec.Key, ir, rec.Version)
		}
	}
}

// dropImport deletes a failed import's chunks and record; what is left, collect deletes later.
func (c *Counters) dropImport(ctx context.Context, t tenant.ID, id string, series []SeriesRef) {
	if c.deleteChunks(ctx, t, id, series) == nil {
		_ = c.db.Delete(ctx, t, store.Key{Kind: kindImport, ID: id}, 0)
	}
}

func (c *Counters) deleteChunks(ctx context.Context, t tenant.ID, id string, series []SeriesRef) error {
	var ops []store.Op
	for _, s := range series {
		for rec, err := range store.Records(ctx, c.db, t, kindHist, histPrefix(id, s.Queue, s.Channel), store.PageRequest{Limit: store.MaxLimit}) {
			if err != nil {
				return err
			}
			ops = append(ops, store.DeleteOp(t, rec.Key, 0))
		}
	}
	return c.runTx(ctx, ops)
}

// ImportedSeries is one series of a tenant's imported history as readers see it.
type ImportedSeries struct {
	Queue    string         `json:"queue"`
	Channel  events.Channel `json:"channel"`
	Step     string         `json:"step"`
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	ImportID string         `json:"import_id"`
}

// Imported lists t's imported history, by queue and channel.
func (c *Counters) Imported(ctx context.Context, t tenant.ID) ([]ImportedSeries, error) {
	h, _, err := c.head(ctx, t)
	if err != nil {
		return nil, err
	}
	return h.imported(), nil
}

// imported lists the head's series by queue and channel.
func (h headItem) imported() []ImportedSeries {
	out := make([]ImportedSeries, 0, len(h.Series))
	for _, s := range h.Series {
		out = append(out, ImportedSeries{Queue: s.Queue, Channel: s.Channel, Step: stepName(time.Duration(s.StepMinutes) * time.Minute),
			From: s.From.UTC(), To: s.To.UTC(), ImportID: s.Import})
	}
	slices.SortFunc(out, func(a, b ImportedSeries) int {
		return strings.Compare(a.Queue+"|"+string(a.Channel), b.Queue+"|"+string(b.Channel))
	})
	return out
}
