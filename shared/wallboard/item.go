package wallboard

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Kind is the store kind of a tenant's wallboard days; an item's id is its day (2006-01-02). The
// live consumer (functions/live) writes them; readers use Read or Current.
const Kind = "wallboard"

// Keep is how long a day's item is kept (its TTL from its last write).
const Keep = 35 * 24 * time.Hour

// MaxStateBytes bounds an item's compressed state, well under DynamoDB's 400 KB per item.
const MaxStateBytes = 300 << 10

// maxJSONBytes bounds a state's JSON when decompressing a stored one.
const maxJSONBytes = 16 << 20

// Item is the store item of one tenant's day.
type Item struct {
	// Day is the item's day (also its id).
	Day string `dynamodbav:"day"`
	// State is the gzip-compressed JSON of the day's State (Encode, DecodeState).
	State []byte `dynamodbav:"state"`
	// UpdatedAt is when an event last changed the state.
	UpdatedAt time.Time `dynamodbav:"updated_at"`
	// PushedAt is when the figures were last pushed to supervisors.
	PushedAt time.Time `dynamodbav:"pushed_at"`
	// Pending says the figures changed after PushedAt and were not pushed yet.
	Pending bool `dynamodbav:"pending"`
}

// Key returns the store key of day's item.
func Key(day string) store.Key { return store.Key{Kind: Kind, ID: day} }

// Encode compresses s for an Item. A state whose compressed form exceeds MaxStateBytes forgets the
// older half of its remembered event ids until it fits (contacts are bounded by MaxContacts).
func Encode(s *State) ([]byte, error) {
	for {
		raw, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("wallboard: encode %s: %w", s.d.Day, err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(raw); err != nil {
			return nil, fmt.Errorf("wallboard: compress %s: %w", s.d.Day, err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("wallboard: compress %s: %w", s.d.Day, err)
		}
		if buf.Len() <= MaxStateBytes || len(s.d.Seen) == 0 {
			return buf.Bytes(), nil
		}
		drop := s.d.Seen[:(len(s.d.Seen)+1)/2]
		for _, id := range drop {
			delete(s.seen, id)
		}
		s.d.Seen = append([]string(nil), s.d.Seen[len(drop):]...)
	}
}

// DecodeState reads a state Encode wrote; the error wraps ErrBadItem.
func DecodeState(b []byte) (*State, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadItem, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadItem, err)
	}
	if len(raw) > maxJSONBytes {
		return nil, fmt.Errorf("%w: state over %d bytes", ErrBadItem, maxJSONBytes)
	}
	s := new(State)
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadItem, err)
	}
	return s, nil
}

// Getter reads items; *store.Store is one.
type Getter interface {
	Get(ctx context.Context, t tenant.ID, k store.Key, out any) (int64, error)
}

var _ Getter = (*store.Store)(nil)

// Read returns t's item of day, its decoded state and the item's version. A day without an item
// is store.ErrNotFound; a stored state that cannot be decoded wraps ErrBadItem.
func Read(ctx context.Context, db Getter, t tenant.ID, day string) (*State, Item, int64, error) {
	var it Item
	ver, err := db.Get(ctx, t, Key(day), &it)
	if err != nil {
		return nil, Item{}, 0, fmt.Errorf("wallboard: read %s: %w", day, err)
	}
	s, err := DecodeState(it.State)
	if err != nil {
		return nil, Item{}, 0, fmt.Errorf("wallboard: read %s: %w", day, err)
	}
	if s.Day() != day {
		return nil, Item{}, 0, fmt.Errorf("wallboard: read %s: %w: holds day %s", day, ErrBadItem, s.Day())
	}
	return s, it, ver, nil
}

// Current returns t's figures at now for the tenant's day of now: from its item; before the day's
// first event, from the day before's live floor carried over (counters at zero); with neither, an
// empty board. This is what GET /v1/wallboard answers.
func Current(ctx context.Context, db Getter, t tenant.ID, now time.Time) (Board, error) {
	s, err := Latest(ctx, db, t, DayOf(now, Location(t)))
	if err != nil {
		return Board{}, err
	}
	return s.Board(now), nil
}

// Latest returns t's state of day: its item's, or the day before's carried over (Rollover), or a
// new empty one.
func Latest(ctx context.Context, db Getter, t tenant.ID, day string) (*State, error) {
	s, _, _, err := Read(ctx, db, t, day)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	prev, err := PrevDay(day)
	if err != nil {
		return nil, err
	}
	p, _, _, err := Read(ctx, db, t, prev)
	switch {
	case err == nil:
		return p.Rollover(day)
	case errors.Is(err, store.ErrNotFound):
		return NewState(day, Location(t))
	default:
		return nil, err
	}
}
