package quota

// models.go: "models kept" is a retention limit. Recording a trained model beyond the quota prunes
// the oldest models the tenant does not use, in the same transaction, instead of refusing work
// that is already done.

import (
	"context"
	"fmt"
	"slices"

	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/plan"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// maxPrune bounds the models one recording deletes (after a quota was lowered a lot, the next
// recordings catch up), so the transaction stays small.
const maxPrune = 10

// ModelRecord is what recording a new model does to the tenant's kept models.
type ModelRecord struct {
	// Ops go in the transaction that creates the model item: the count, and the deletes of pruned
	// models.
	Ops []store.Op
	// Pruned are the versions those ops delete, oldest first. After the commit, delete their
	// bundles (modelstore.Store.Delete); a bundle left behind is only storage.
	Pruned []string
}

// RecordModel returns the ops that count one more model of t under its quota. When t already keeps
// its quota of models, the ops also delete its oldest models but those in keep (pass the active
// version and, if it is being activated, the new one), so that the count stays at the limit. If
// every kept model is in keep, the transaction fails on the bound (Exceeded(err, Models)).
func (l *Ledger) RecordModel(ctx context.Context, t tenant.ID, keep ...string) (ModelRecord, error) {
	u, err := l.Ensure(ctx, t, Models)
	if err != nil {
		return ModelRecord{}, err
	}
	p, _, err := plan.Load(ctx, l.store, t)
	if err != nil {
		return ModelRecord{}, err
	}
	limit := Models.Limit(p.Quotas)
	var rec ModelRecord
	if over := min(u.Count+1-limit, maxPrune); over > 0 {
		// Ascending: versions sort by time, oldest first.
		for r, err := range store.Records(ctx, l.store, t, botconfig.KindModel, "", store.PageRequest{Limit: 100}) {
			if err != nil {
				return ModelRecord{}, fmt.Errorf("list models of %s: %w", t, err)
			}
			if int64(len(rec.Pruned)) == over {
				break
			}
			if !slices.Contains(keep, r.Key.ID) {
				rec.Pruned = append(rec.Pruned, r.Key.ID)
				rec.Ops = append(rec.Ops, store.DeleteOp(t, r.Key, r.Version))
			}
		}
	}
	delta := 1 - int64(len(rec.Pruned))
	bound := limit // the count goes up: within the quota
	if delta <= 0 {
		// The count stays or goes down (catching up after the quota was lowered): no other
		// recording may have added meanwhile.
		bound = u.Count + delta
	}
	rec.Ops = append(rec.Ops, store.AddOp(t, Key(Models), map[string]int64{FieldCount: delta}, store.AtMost(FieldCount, bound)))
	return rec, nil
}
