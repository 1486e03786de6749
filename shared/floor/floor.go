package floor

import (
	"context"
	crand "crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/outbox"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Source is the envelope source of the floor's events.
const Source = "lingxi.floor"

// Committer writes store ops and their events in one transaction (outbox.Outbox).
type Committer interface {
	Commit(ctx context.Context, ops []store.Op, evs ...events.Envelope) error
}

var _ Committer = (*outbox.Outbox)(nil)

// Floor reads and writes the human-service floor of every tenant. It is safe for concurrent use.
type Floor struct {
	db     *store.Store
	commit Committer
	now    func() time.Time
}

// New returns a Floor over db that commits its writes through ob.
func New(db *store.Store, ob *outbox.Outbox) *Floor {
	return &Floor{db: db, commit: ob, now: time.Now}
}

// WithClock returns a copy of f that reads the time from now. For tests.
func (f *Floor) WithClock(now func() time.Time) *Floor {
	c := *f
	c.now = now
	return &c
}

func (f *Floor) clock() time.Time { return f.now().UTC() }

// attempts is how often a write whose transaction lost a race re-reads and tries again.
const attempts = 8

// retry runs try until it succeeds, fails with anything but a lost race (store.ErrConflict), or
// has lost attempts races; between tries it waits a short random pause, so writers racing for one
// item spread out.
func retry(ctx context.Context, try func() error) error {
	var err error
	for i := range attempts {
		if err = try(); err == nil || !errors.Is(err, store.ErrConflict) || errors.Is(err, errStale) {
			return err
		}
		t := time.NewTimer(time.Duration(rand.IntN(5*(i+1))+1) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, context.Cause(ctx))
		case <-t.C:
		}
	}
	return err
}

// errStale is a dispatcher write whose intent no longer holds (the contact is not queued, the
// agent has no free slot): trying again cannot help, deciding again can. It matches
// store.ErrConflict.
var errStale = fmt.Errorf("stale read: %w", store.ErrConflict)

// stale is an errStale with the detail.
func stale(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errStale)
}

// evs builds events of tenant t.
type evs struct {
	t   tenant.ID
	out []events.Envelope
	err error
}

func (e *evs) add(typ, subject string, data any) {
	if e.err != nil {
		return
	}
	ev, err := events.New(e.t, typ, subject, Source, data)
	if err != nil {
		e.err = fmt.Errorf("build %s event: %w", typ, err)
		return
	}
	e.out = append(e.out, ev)
}

// newID returns prefix_ and 16 random base32 characters.
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = crand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// ms is d in whole milliseconds, at least 0.
func ms(d time.Duration) int64 { return max(d.Milliseconds(), 0) }
