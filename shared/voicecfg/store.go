package voicecfg

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Store is the table-backed Directory and Registrations (items.go has the layout). Build it with
// NewStore. It is safe for concurrent use.
type Store struct {
	db  *store.Store
	now func() time.Time
}

var (
	_ Directory     = (*Store)(nil)
	_ Registrations = (*Store)(nil)
)

// StoreOption changes a Store.
type StoreOption func(*Store)

// WithClock makes the Store read the time from now (which registrations have expired); for
// tests. Pass the same clock to the store.Store (store.Store.WithClock), which decides TTL expiry.
func WithClock(now func() time.Time) StoreOption { return func(s *Store) { s.now = now } }

// NewStore returns the Directory and Registrations over db.
func NewStore(db *store.Store, opts ...StoreOption) *Store {
	s := &Store{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// owner returns the tenant a platform mapping (KindNumber or KindAccount) names; ErrNotFound if
// there is none.
func (s *Store) owner(ctx context.Context, kind, id string) (tenant.ID, error) {
	var o Owner
	_, err := s.db.PlatformGet(ctx, store.Key{Kind: kind, ID: id}, &o)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return tenant.ID{}, ErrNotFound
	}
	if err != nil {
		return tenant.ID{}, fmt.Errorf("voicecfg: owner of %s/%s: %w", kind, id, err)
	}
	// Only the api function writes these mappings, under the owning tenant's authentication.
	t, err := tenant.Parse(o.Tenant)
	if err != nil {
		return tenant.ID{}, fmt.Errorf("voicecfg: owner of %s/%s: %w", kind, id, err)
	}
	return t, nil
}

// get reads t's item k into out; ErrNotFound when it is absent.
func (s *Store) get(ctx context.Context, t tenant.ID, k store.Key, out any) error {
	_, err := s.db.Get(ctx, t, k, out)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("voicecfg: get %s: %w", k, err)
	}
	return nil
}

// Number returns the number and the trunks of its tenant allowed to deliver it: the trunks it
// names, or every trunk of the tenant when it names none. ErrNotFound if no tenant has it.
func (s *Store) Number(ctx context.Context, e164 string) (Number, []Trunk, error) {
	if !ValidE164(e164) {
		return Number{}, nil, ErrNotFound
	}
	t, err := s.owner(ctx, KindNumber, e164)
	if err != nil {
		return Number{}, nil, err
	}
	var rec NumberRecord
	if err := s.get(ctx, t, NumberKey(e164), &rec); err != nil {
		return Number{}, nil, err
	}
	var trunks []Trunk
	if len(rec.Trunks) == 0 {
		for r, err := range store.Records(ctx, s.db, t, KindTrunk, "", store.PageRequest{Limit: 100}) {
			if err != nil {
				return Number{}, nil, fmt.Errorf("voicecfg: trunks of %s: %w", t, err)
			}
			var tr TrunkRecord
			if err := r.Decode(&tr); err != nil {
				return Number{}, nil, fmt.Errorf("voicecfg: %w", err)
			}
			trunks = append(trunks, tr.Trunk(t))
		}
	} else {
		for _, name := range rec.Trunks {
			var tr TrunkRecord
			err := s.get(ctx, t, TrunkKey(name), &tr)
			if errors.Is(err, ErrNotFound) {
				continue // the refs count keeps a named trunk; an absent one admits nothing
			}
			if err != nil {
				return Number{}, nil, err
			}
			trunks = append(trunks, tr.Trunk(t))
		}
	}
	return rec.Number(t), trunks, nil
}

// Account returns the softphone account of a (platform-wide) username. ErrNotFound if none.
func (s *Store) Account(ctx context.Context, username string) (Account, error) {
	if !ValidUsername(username) {
		return Account{}, ErrNotFound
	}
	t, err := s.owner(ctx, KindAccount, username)
	if err != nil {
		return Account{}, err
	}
	var rec AccountRecord
	if err := s.get(ctx, t, AccountKey(username), &rec); err != nil {
		return Account{}, err
	}
	return Account{Tenant: t, Username: rec.Username, HA1: rec.HA1}, nil
}

// TransferTarget returns where t's queue's voice transfers go. ErrNotFound if none is set.
func (s *Store) TransferTarget(ctx context.Context, t tenant.ID, queue string) (TransferTarget, error) {
	var rec TransferRecord
	if err := s.get(ctx, t, TransferKey(queue), &rec); err != nil {
		return TransferTarget{}, err
	}
	return TransferTarget{Tenant: t, Queue: rec.Queue, Target: rec.Target}, nil
}

// Put records or refreshes a registration until r.Expires (the item's TTL); an Expires not after
// now removes it (a REGISTER with Expires: 0). The caller has authenticated the account (Account)
// and passes its tenant.
func (s *Store) Put(ctx context.Context, r Registration) error {
	if !ValidUsername(r.Username) || r.Contact == "" {
		return fmt.Errorf("voicecfg: put registration %q: bad username or empty contact", r.Username)
	}
	k := store.Key{Kind: KindRegistration, ID: RegistrationID(r.Username, r.Contact)}
	if !r.Expires.After(s.now()) {
		err := s.db.Delete(ctx, r.Tenant, k, 0)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("voicecfg: remove registration of %s: %w", r.Username, err)
		}
		return nil
	}
	rec := RegistrationRecord{Username: r.Username, Contact: r.Contact, Expires: r.Expires.UTC(), Edge: r.Edge}
	for range 8 {
		ver, err := s.db.Get(ctx, r.Tenant, k, nil)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("voicecfg: put registration of %s: %w", r.Username, err)
		}
		_, err = s.db.Put(ctx, r.Tenant, k, rec, ver, store.WithTTL(r.Expires))
		if !errors.Is(err, store.ErrConflict) {
			if err != nil {
				return fmt.Errorf("voicecfg: put registration of %s: %w", r.Username, err)
			}
			return nil
		}
		// Another edge task refreshed the same contact meanwhile: write over its refresh.
	}
	return fmt.Errorf("voicecfg: put registration of %s: %w", r.Username, store.ErrConflict)
}

// Lookup returns the unexpired registrations of t's username, soonest to expire first.
func (s *Store) Lookup(ctx context.Context, t tenant.ID, username string) ([]Registration, error) {
	if !ValidUsername(username) {
		return nil, nil
	}
	now := s.now()
	var out []Registration
	for r, err := range store.Records(ctx, s.db, t, KindRegistration, username+"/", store.PageRequest{Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("voicecfg: registrations of %s: %w", username, err)
		}
		var rec RegistrationRecord
		if err := r.Decode(&rec); err != nil {
			return nil, fmt.Errorf("voicecfg: %w", err)
		}
		if rec.Expires.After(now) {
			out = append(out, rec.Registration(t))
		}
	}
	slices.SortFunc(out, func(a, b Registration) int { return a.Expires.Compare(b.Expires) })
	return out, nil
}
