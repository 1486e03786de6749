package voc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Committer writes store operations and their events together; *outbox.Outbox is one.
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

// MaxNoteRunes bounds a resolution note.
const MaxNoteRunes = 1000

// Alert is a spike on a key and where its workflow is.
type Alert struct {
	ID              string           `dynamodbav:"id" json:"id"`
	Key             string           `dynamodbav:"key" json:"key"`
	Kind            events.AlertKind `dynamodbav:"kind" json:"kind"`
	Name            string           `dynamodbav:"name" json:"name"`
	Examples        []string         `dynamodbav:"examples" json:"examples"`
	Count           float64          `dynamodbav:"count" json:"count"`
	Expected        float64          `dynamodbav:"expected" json:"expected"`
	Score           float64          `dynamodbav:"score" json:"score"`
	Onset           time.Time        `dynamodbav:"onset" json:"onset"`
	At              time.Time        `dynamodbav:"at" json:"at"`
	IntervalSeconds int              `dynamodbav:"interval_seconds" json:"interval_seconds"`
	// State is open, acknowledged, assigned or resolved.
	State events.AlertState `dynamodbav:"state" json:"state"`
	// OwnerID is the user it is assigned to ("" before).
	OwnerID        string     `dynamodbav:"owner_id,omitempty" json:"owner_id,omitempty"`
	AcknowledgedBy string     `dynamodbav:"acknowledged_by,omitempty" json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time `dynamodbav:"acknowledged_at,omitempty" json:"acknowledged_at,omitempty"`
	AssignedBy     string     `dynamodbav:"assigned_by,omitempty" json:"assigned_by,omitempty"`
	AssignedAt     *time.Time `dynamodbav:"assigned_at,omitempty" json:"assigned_at,omitempty"`
	ResolvedBy     string     `dynamodbav:"resolved_by,omitempty" json:"resolved_by,omitempty"`
	ResolvedAt     *time.Time `dynamodbav:"resolved_at,omitempty" json:"resolved_at,omitempty"`
	Note           string     `dynamodbav:"note,omitempty" json:"note,omitempty"`
	// ResolutionSeconds is the time from Onset to ResolvedAt (the seeds' 11 minutes).
	ResolutionSeconds *int64 `dynamodbav:"resolution_seconds,omitempty" json:"resolution_seconds,omitempty"`
}

// Alerts stores alerts and runs their workflow. Safe for concurrent use.
type Alerts struct {
	db     *store.Store
	commit Committer
	source string
	now    func() time.Time
}

// NewAlerts returns the alert store over db, committing through commit with events of source.
func NewAlerts(db *store.Store, commit Committer, source string) *Alerts {
	return &Alerts{db: db, commit: commit, source: source, now: time.Now}
}

// WithClock returns a copy reading the time from now. For tests.
func (a *Alerts) WithClock(now func() time.Time) *Alerts {
	d := *a
	d.now = now
	return &d
}

func alertKey(id string) store.Key { return store.Key{Kind: kindAlert, ID: id} }
func openKey(key string) store.Key { return store.Key{Kind: kindOpen, ID: key} }

type openItem struct {
	AlertID string `dynamodbav:"alert_id"`
}

// ValidID reports whether id can be an alert id (a 404 without a read otherwise).
func ValidID(id string) bool {
	rest, ok := strings.CutPrefix(id, "al-")
	if !ok {
		return false
	}
	_, err := uuid.Parse(rest)
	return err == nil && len(rest) == 36
}

// OpenAlert returns the id of key's open alert, if any.
func (a *Alerts) OpenAlert(ctx context.Context, t tenant.ID, key string) (string, bool, error) {
	var o openItem
	if _, err := a.db.Get(ctx, t, openKey(key), &o); errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("open alert of %s for %s: %w", key, t, err)
	}
	return o.AlertID, true, nil
}

// Raise stores al as key's open alert and commits alert.raised with it, unless key has an open
// alert already (false, no error). al's Key, Kind, Name, Examples, counts and times are taken;
// the id, state and At are set here.
func (a *Alerts) Raise(ctx context.Context, t tenant.ID, al Alert) (Alert, bool, error) {
	if err := CheckKey(al.Key); err != nil || isTally(al.Key) {
		return Alert{}, false, fmt.Errorf("%w: raise on key %q", ErrInvalid, al.Key)
	}
	u, err := uuid.NewV7()
	if err != nil {
		return Alert{}, false, fmt.Errorf("alert id: %w", err)
	}
	al.ID, al.State, al.At = "al-"+u.String(), events.AlertOpen, a.now().UTC().Truncate(time.Second)
	al.Onset = al.Onset.UTC()
	if al.IntervalSeconds == 0 {
		al.IntervalSeconds = int(Step / time.Second)
	}
	if al.Examples == nil {
		al.Examples = []string{}
	}
	ev, err := events.New(t, events.TypeAlertRaised, al.ID, a.source, events.AlertRaised{AlertID: al.ID, Key: al.Key, Kind: al.Kind,
		Name: al.Name, Examples: al.Examples, Count: al.Count, Expected: al.Expected, Score: al.Score, Onset: al.Onset, At: al.At,
		IntervalSeconds: al.IntervalSeconds})
	if err != nil {
		return Alert{}, false, fmt.Errorf("alert.raised for %s: %w", al.Key, err)
	}
	ops := []store.Op{store.CreateOp(t, openKey(al.Key), openItem{AlertID: al.ID}), store.CreateOp(t, alertKey(al.ID), al)}
	if err := a.commit.Commit(ctx, ops, ev); errors.Is(err, store.ErrConflict) {
		return Alert{}, false, nil // another raise won: the key has its open alert
	} else if err != nil {
		return Alert{}, false, fmt.Errorf("raise alert on %s for %s: %w", al.Key, t, err)
	}
	return al, true, nil
}

// Get returns alert id.
func (a *Alerts) Get(ctx context.Context, t tenant.ID, id string) (Alert, error) {
	al, _, err := a.get(ctx, t, id)
	return al, err
}

func (a *Alerts) get(ctx context.Context, t tenant.ID, id string) (Alert, int64, error) {
	if !ValidID(id) {
		return Alert{}, 0, fmt.Errorf("%w: alert %q", ErrNotFound, id)
	}
	var al Alert
	v, err := a.db.Get(ctx, t, alertKey(id), &al)
	if errors.Is(err, store.ErrNotFound) {
		return Alert{}, 0, fmt.Errorf("%w: alert %q", ErrNotFound, id)
	} else if err != nil {
		return Alert{}, 0, fmt.Errorf("read alert %s of %s: %w", id, t, err)
	}
	if al.Examples == nil {
		al.Examples = []string{}
	}
	return al, v, nil
}

// ValidState reports whether s is an alert state.
func ValidState(s events.AlertState) bool {
	switch s {
	case events.AlertOpen, events.AlertAcknowledged, events.AlertAssigned, events.AlertResolved:
		return true
	}
	return false
}

// List returns alerts newest first, only those in state when it is not "", one page at a time
// (a page may hold fewer than its limit when a state is asked for; next is "" at the end).
func (a *Alerts) List(ctx context.Context, t tenant.ID, state events.AlertState, page store.PageRequest) ([]Alert, string, error) {
	page.Descending = true
	res, err := a.db.Query(ctx, t, kindAlert, "al-", page)
	if err != nil {
		return nil, "", fmt.Errorf("list alerts of %s: %w", t, err)
	}
	out := []Alert{}
	for _, rec := range res.Items {
		var al Alert
		if err := rec.Decode(&al); err != nil {
			return nil, "", err
		}
		if state != "" && al.State != state {
			continue
		}
		if al.Examples == nil {
			al.Examples = []string{}
		}
		out = append(out, al)
	}
	return out, res.Next, nil
}

// Acknowledge moves an open alert to acknowledged; acknowledging it again changes nothing.
func (a *Alerts) Acknowledge(ctx context.Context, t tenant.ID, id, by string) (Alert, error) {
	return a.step(ctx, t, id, by, func(al *Alert, now time.Time) (bool, error) {
		switch al.State {
		case events.AlertOpen:
		case events.AlertAcknowledged:
			return false, nil
		default:
			return false, fmt.Errorf("%w: alert %s is %s, past acknowledging", ErrState, id, al.State)
		}
		al.State, al.AcknowledgedBy, al.AcknowledgedAt = events.AlertAcknowledged, by, &now
		return true, nil
	})
}

// Assign gives an alert that is not resolved to owner (acknowledging it if it was open);
// assigning it to its owner again changes nothing.
func (a *Alerts) Assign(ctx context.Context, t tenant.ID, id, owner, by string) (Alert, error) {
	return a.step(ctx, t, id, by, func(al *Alert, now time.Time) (bool, error) {
		switch {
		case al.State == events.AlertResolved:
			return false, fmt.Errorf("%w: alert %s is resolved", ErrState, id)
		case al.State == events.AlertAssigned && al.OwnerID == owner:
			return false, nil
		}
		if al.AcknowledgedAt == nil {
			al.AcknowledgedBy, al.AcknowledgedAt = by, &now
		}
		al.State, al.OwnerID, al.AssignedBy, al.AssignedAt = events.AlertAssigned, owner, by, &now
		return true, nil
	})
}

// Resolve closes an alert (from any state but resolved), records the time from onset to now,
// and frees its key for a new alert.
func (a *Alerts) Resolve(ctx context.Context, t tenant.ID, id, by, note string) (Alert, error) {
	return a.step(ctx, t, id, by, func(al *Alert, now time.Time) (bool, error) {
		if al.State == events.AlertResolved {
			return false, fmt.Errorf("%w: alert %s is resolved already", ErrState, id)
		}
		secs := int64(max(0, now.Sub(al.Onset)/time.Second))
		al.State, al.ResolvedBy, al.ResolvedAt, al.ResolutionSeconds, al.Note = events.AlertResolved, by, &now, &secs, clip(note, MaxNoteRunes)
		return true, nil
	})
}

// stepTries bounds a step that concurrent steps keep racing.
const stepTries = 3

// step applies change to alert id at its version and commits alert.changed with it. change says
// whether anything changed (false: the alert as it is, nothing written).
func (a *Alerts) step(ctx context.Context, t tenant.ID, id, by string, change func(al *Alert, now time.Time) (bool, error)) (Alert, error) {
	for try := 0; ; try++ {
		al, v, err := a.get(ctx, t, id)
		if err != nil {
			return Alert{}, err
		}
		now := a.now().UTC().Truncate(time.Second)
		changed, err := change(&al, now)
		if err != nil || !changed {
			return al, err
		}
		ev, err := events.New(t, events.TypeAlertChanged, al.ID, a.source, events.AlertChanged{AlertID: al.ID, Key: al.Key, State: al.State,
			OwnerID: al.OwnerID, By: by, ResolutionSeconds: al.ResolutionSeconds, Note: al.Note})
		if err != nil {
			return Alert{}, fmt.Errorf("alert.changed for %s: %w", id, err)
		}
		ops := []store.Op{store.PutOp(t, alertKey(id), al, v)}
		if al.State == events.AlertResolved {
			ops = append(ops, store.DeleteOp(t, openKey(al.Key), 0))
		}
		err = a.commit.Commit(ctx, ops, ev)
		switch {
		case err == nil:
			return al, nil
		case errors.Is(err, store.ErrConflict) && try+1 < stepTries:
			continue // a concurrent step: read it and decide again
		default:
			return Alert{}, fmt.Errorf("alert %s of %s to %s: %w", id, t, al.State, err)
		}
	}
}
