package vocreport

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// MaxImportDays is the most days one transactions import takes.
const MaxImportDays = 366

// MaxDayCount is the largest transaction count of one day.
const MaxDayCount = 1_000_000_000_000

// KindTransactions holds a tenant's imported transaction counts: one item per calendar month
// (id "2026-12"), its days a map of date → count.
const KindTransactions = "voctx"

// importTries bounds the retries of an import that raced another.
const importTries = 5

type monthItem struct {
	Days map[string]int64 `dynamodbav:"days"`
}

// DayProblem is one bad entry of an import: its index in days and why.
type DayProblem struct {
	Index  int    // -1: the whole list
	Reason string // "date: must be a date (2006-01-02)"
}

// DaysError lists every problem of an import; it wraps ErrBadDays.
type DaysError struct{ Problems []DayProblem }

func (e *DaysError) Error() string {
	return fmt.Sprintf("vocreport: %d bad transaction day(s), first: %s", len(e.Problems), e.Problems[0].Reason)
}

func (e *DaysError) Unwrap() error { return ErrBadDays }

// CheckDays checks an import: 1 to MaxImportDays days, each a real date of 2000–2099, no date
// twice, counts 0 to MaxDayCount. A *DaysError otherwise.
func CheckDays(days []DayCount) error {
	var p []DayProblem
	if len(days) == 0 || len(days) > MaxImportDays {
		p = append(p, DayProblem{Index: -1, Reason: fmt.Sprintf("must hold 1 to %d days; it holds %d", MaxImportDays, len(days))})
	}
	seen := map[string]bool{}
	for i, d := range days {
		t, err := time.Parse(time.DateOnly, d.Date)
		switch {
		case err != nil || t.Format(time.DateOnly) != d.Date:
			p = append(p, DayProblem{Index: i, Reason: "date: must be a date (2006-01-02)"})
		case t.Year() < 2000 || t.Year() > 2099:
			p = append(p, DayProblem{Index: i, Reason: "date: must be in 2000-2099"})
		case seen[d.Date]:
			p = append(p, DayProblem{Index: i, Reason: "date: given twice"})
		}
		seen[d.Date] = true
		if d.Count < 0 || d.Count > MaxDayCount {
			p = append(p, DayProblem{Index: i, Reason: fmt.Sprintf("count: must be 0 to %d", int64(MaxDayCount))})
		}
	}
	if len(p) > 0 {
		return &DaysError{Problems: p}
	}
	return nil
}

// Transactions keeps tenants' imported daily transaction counts in the table.
type Transactions struct{ db *store.Store }

// NewTransactions returns the counts kept in db.
func NewTransactions(db *store.Store) *Transactions { return &Transactions{db: db} }

// Import stores days (checked by CheckDays) for tenant t, replacing the counts of those dates and
// keeping the others: all or nothing, in one transaction of at most 14 month items.
func (x *Transactions) Import(ctx context.Context, t tenant.ID, days []DayCount) error {
	if err := CheckDays(days); err != nil {
		return err
	}
	byMonth := map[string][]DayCount{}
	for _, d := range days {
		byMonth[d.Date[:7]] = append(byMonth[d.Date[:7]], d)
	}
	months := slices.Sorted(maps.Keys(byMonth))
	for try := 1; ; try++ {
		ops := make([]store.Op, 0, len(months))
		for _, m := range months {
			var it monthItem
			ver, err := x.db.Get(ctx, t, store.Key{Kind: KindTransactions, ID: m}, &it)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("read transactions %s of %s: %w", m, t, err)
			}
			if it.Days == nil {
				it.Days = map[string]int64{}
			}
			for _, d := range byMonth[m] {
				it.Days[d.Date] = d.Count
			}
			ops = append(ops, store.PutOp(t, store.Key{Kind: KindTransactions, ID: m}, it, ver))
		}
		err := x.db.Tx(ctx, ops...)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) || try == importTries {
			return fmt.Errorf("import transactions of %s: %w", t, err)
		}
	}
}

// Days reads tenant t's imported counts of the dates from..to (inclusive, 2006-01-02).
func (x *Transactions) Days(ctx context.Context, t tenant.ID, from, to string) (map[string]int64, error) {
	out := map[string]int64{}
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, err
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, err
	}
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		var it monthItem
		_, err := x.db.Get(ctx, t, store.Key{Kind: KindTransactions, ID: m.Format("2006-01")}, &it)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read transactions %s of %s: %w", m.Format("2006-01"), t, err)
		}
		for d, n := range it.Days {
			if d >= from && d <= to {
				out[d] = n
			}
		}
	}
	return out, nil
}

// DB is the table the counts are kept in.
func (x *Transactions) DB() *store.Store { return x.db }
