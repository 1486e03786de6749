package satisfaction

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Dimension is what the figures are grouped by.
type Dimension string

// Dimensions.
const (
	ByIntent     Dimension = "intent"
	ByQueue      Dimension = "queue"
	ByAgent      Dimension = "agent"
	ByChannel    Dimension = "channel"
	ByResolution Dimension = "resolution"
)

// Dimensions lists every dimension.
func Dimensions() []Dimension {
	return []Dimension{ByIntent, ByQueue, ByAgent, ByChannel, ByResolution}
}

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool { return slices.Contains(Dimensions(), d) }

// MaxDays is the longest range of days Figures reads.
const MaxDays = 366

// Sums are the counts of one dimension value over some days.
type Sums struct {
	CSATCount  int64 `dynamodbav:"csat_n"`
	CSATSum    int64 `dynamodbav:"csat_sum"`
	CSATTop    int64 `dynamodbav:"csat_top"`
	NPSCount   int64 `dynamodbav:"nps_n"`
	Promoters  int64 `dynamodbav:"nps_pro"`
	Detractors int64 `dynamodbav:"nps_det"`
}

func (s *Sums) add(o Sums) {
	s.CSATCount += o.CSATCount
	s.CSATSum += o.CSATSum
	s.CSATTop += o.CSATTop
	s.NPSCount += o.NPSCount
	s.Promoters += o.Promoters
	s.Detractors += o.Detractors
}

// Row is the figures of one dimension value. A figure without answers is null.
type Row struct {
	Value string `json:"value"`
	// CSATCount is how many CSAT answers; CSATMean their mean (1–5); CSATPercent the share of
	// them that are 4 or 5, in percent.
	CSATCount   int64    `json:"csat_count"`
	CSATMean    *float64 `json:"csat_mean"`
	CSATPercent *float64 `json:"csat_percent"`
	// NPSCount is how many NPS answers; NPS is the share of promoters (9–10) minus the share of
	// detractors (0–6), in points from -100 to 100.
	NPSCount   int64    `json:"nps_count"`
	NPS        *float64 `json:"nps"`
	Promoters  int64    `json:"promoters"`
	Detractors int64    `json:"detractors"`
}

// Row computes the figures of s for value: CSAT mean = sum / count; CSAT % = 100 · (4s and 5s) /
// count; NPS = 100 · (promoters − detractors) / count. Each is rounded to two decimals.
func (s Sums) Row(value string) Row {
	r := Row{Value: value, CSATCount: s.CSATCount, NPSCount: s.NPSCount, Promoters: s.Promoters, Detractors: s.Detractors}
	if s.CSATCount > 0 {
		r.CSATMean = ptr(round2(float64(s.CSATSum) / float64(s.CSATCount)))
		r.CSATPercent = ptr(round2(100 * float64(s.CSATTop) / float64(s.CSATCount)))
	}
	if s.NPSCount > 0 {
		r.NPS = ptr(round2(100 * float64(s.Promoters-s.Detractors) / float64(s.NPSCount)))
	}
	return r
}

func ptr(f float64) *float64 { return &f }

func round2(f float64) float64 {
	if f < 0 {
		return -round2(-f)
	}
	return float64(int64(f*100+0.5)) / 100
}

// Figures reads t's satisfaction per value of dimension by over the days from to to (UTC days,
// both included, 2006-01-02): the values with answers, most CSAT answers first (then most NPS
// answers, then by value). ErrInvalid for an unknown dimension, a day that does not read, to
// before from, or more than MaxDays.
func Figures(ctx context.Context, q store.Querier, t tenant.ID, by Dimension, from, to string) ([]Row, error) {
	if !by.Valid() {
		return nil, fmt.Errorf("%w: dimension %q", ErrInvalid, by)
	}
	f, err1 := time.Parse(time.DateOnly, from)
	l, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return nil, fmt.Errorf("%w: days %q and %q must be dates (2006-01-02)", ErrInvalid, from, to)
	case l.Before(f):
		return nil, fmt.Errorf("%w: to %s is before from %s", ErrInvalid, to, from)
	case l.Sub(f) >= MaxDays*24*time.Hour:
		return nil, fmt.Errorf("%w: at most %d days", ErrInvalid, MaxDays)
	}
	prefix := string(by) + "#" + commonPrefix(from, to)
	sums := map[string]*Sums{}
	for rec, err := range store.Records(ctx, q, t, KindDay, prefix, store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return nil, fmt.Errorf("satisfaction figures of %s: %w", t, err)
		}
		parts := strings.SplitN(rec.Key.ID, "#", 3)
		if len(parts) != 3 || parts[1] < from || parts[1] > to {
			continue
		}
		var s Sums
		if err := rec.Decode(&s); err != nil {
			return nil, fmt.Errorf("satisfaction figures of %s: %w", t, err)
		}
		if sums[parts[2]] == nil {
			sums[parts[2]] = &Sums{}
		}
		sums[parts[2]].add(s)
	}
	rows := make([]Row, 0, len(sums))
	for v, s := range sums {
		if s.CSATCount > 0 || s.NPSCount > 0 {
			rows = append(rows, s.Row(v))
		}
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(b.CSATCount, a.CSATCount), cmp.Compare(b.NPSCount, a.NPSCount), strings.Compare(a.Value, b.Value))
	})
	return rows, nil
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}
