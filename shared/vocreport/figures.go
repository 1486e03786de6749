package vocreport

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/tenant"
)

// PerTransactions is the contact rate's base: contacts per 10,000 transactions (万求率).
const PerTransactions = 10000

// TopN is how many top and rising topics the report lists.
const TopN = 10

// RisingMinCount is the fewest contacts a topic needs in the week to be listed as rising, so
// that one contact after none is not "rising".
const RisingMinCount = 5

// RisingMinPercent is the least rise against the week before, in percent, for a topic to be
// listed as rising (a topic absent the week before always is).
const RisingMinPercent = 20

// Where the transaction counts came from.
const (
	TxImport         = "import"          // POST /v1/voc/transactions
	TxBusinessEvents = "business_events" // the day's business.event count stood in
	TxMixed          = "mixed"           // imported on some days, business events on others
	TxNone           = "none"            // neither: no contact rate
)

// Day is one local day of the report.
type Day struct {
	Date          string   `json:"date"`
	Chat          int      `json:"chat"`
	Voice         int      `json:"voice"`
	Contacts      int      `json:"contacts"`
	Transactions  *int64   `json:"transactions"`        // nil: no count for the day
	TxSource      string   `json:"transactions_source"` // import, business_events or none
	Rate          *float64 `json:"rate"`                // contacts per 10,000 transactions; nil without transactions
	NegativeShare *float64 `json:"negative_share"`      // percent of scored customer messages; nil when none
}

// Rising is a topic whose count rose against the week before.
type Rising struct {
	TopicCount
	Change    int      `json:"change"`     // Count − Previous
	ChangePct *float64 `json:"change_pct"` // percent against Previous; nil when Previous is 0 (new)
}

// AlertLine is an alert as the report shows it.
type AlertLine struct {
	Alert
	ResolutionMinutes *float64 `json:"resolution_minutes"` // nil: still open
}

// Figures is everything one report shows. HTML and PDF render the same Figures.
type Figures struct {
	Tenant       string    `json:"tenant"`
	Week         string    `json:"week"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	TimeZone     string    `json:"time_zone"`
	GeneratedAt  time.Time `json:"generated_at"`
	Partial      bool      `json:"partial"` // built before the week ended
	Days         []Day     `json:"days"`
	Contacts     int       `json:"contacts"`
	Transactions *int64    `json:"transactions"` // sum over the days that have a count
	TxSource     string    `json:"transactions_source"`
	// Rate is the week's contacts on days with a transaction count per 10,000 of those days'
	// transactions; nil when no day has one.
	Rate          *float64     `json:"rate"`
	Satisfaction  Satisfaction `json:"satisfaction"`
	NegativeShare *float64     `json:"negative_share"`
	TopTopics     []TopicCount `json:"top_topics"`
	RisingTopics  []Rising     `json:"rising_topics"`
	Alerts        []AlertLine  `json:"alerts"`
	// MedianResolutionMinutes is over the week's resolved alerts; nil when none was resolved.
	MedianResolutionMinutes *float64 `json:"median_resolution_minutes"`
	QA                      QA       `json:"qa"`
}

// inputs is what Collect gathers before deriving the figures.
type inputs struct {
	chat, voice []float64 // per day
	imported    map[string]int64
	business    []DayCount
	sat         Satisfaction
	senti       []DayShare
	topics      []TopicCount
	alerts      []Alert
	qa          QA
}

// collect reads every input of tenant t's week w.
func (b *Builder) collect(ctx context.Context, t tenant.ID, w Week) (inputs, error) {
	var in inputs
	var err error
	if in.chat, err = b.daily(ctx, t, w, events.ChannelChat); err != nil {
		return in, err
	}
	if in.voice, err = b.daily(ctx, t, w, events.ChannelVoice); err != nil {
		return in, err
	}
	if in.imported, err = b.tx.Days(ctx, t, w.Days()[0], w.Days()[6]); err != nil {
		return in, err
	}
	src := b.src
	steps := []struct {
		what string
		do   func() error
	}{
		{"business events", func() (e error) { in.business, e = src.BusinessEvents(ctx, t, w); return }},
		{"satisfaction", func() (e error) { in.sat, e = src.Satisfaction(ctx, t, w); return }},
		{"sentiment", func() (e error) { in.senti, e = src.Sentiment(ctx, t, w); return }},
		{"topics", func() (e error) { in.topics, e = src.Topics(ctx, t, w); return }},
		{"alerts", func() (e error) { in.alerts, e = src.Alerts(ctx, t, w); return }},
		{"qa", func() (e error) { in.qa, e = src.QA(ctx, t, w); return }},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return in, err
		}
		if err := s.do(); err != nil {
			return in, fmt.Errorf("voc report %s %s: %s: %w", t, w.ID, s.what, err)
		}
	}
	return in, nil
}

// daily sums a channel's offered contacts per local day of w, from the interval counters at their
// own 5-minute step (a day of 23 or 25 hours at a DST change sums what it has). Missing intervals
// (not yet happened, or never counted) count as none. A coarser step would lose counted contacts:
// the counters mark an interval NaN unless it is observed whole, so the hour holding now (a partial
// week's report) or the hour live counting began in would drop out.
func (b *Builder) daily(ctx context.Context, t tenant.ID, w Week, ch events.Channel) ([]float64, error) {
	out := make([]float64, 7)
	s, err := b.contacts.Series(ctx, t, intervals.AllQueues, ch, intervals.Offered, w.From, w.To, intervals.Step)
	if err != nil {
		return nil, fmt.Errorf("voc report %s %s: %s contacts: %w", t, w.ID, ch, err)
	}
	for i, v := range s.Values {
		if d := w.DayIndex(s.Time(i)); d >= 0 && !math.IsNaN(v) {
			out[d] += v
		}
	}
	return out, nil
}

// derive turns the inputs into the report's figures.
func derive(t tenant.ID, w Week, now time.Time, in inputs) Figures {
	f := Figures{Tenant: t.String(), Week: w.ID, From: w.From, To: w.To, TimeZone: w.Location.String(),
		GeneratedAt: now.UTC(), Partial: now.Before(w.To), Satisfaction: in.sat, QA: in.qa}
	business := map[string]int64{}
	for _, d := range in.business {
		business[d.Date] += d.Count
	}
	senti := map[string]DayShare{}
	for _, d := range in.senti {
		s := senti[d.Date]
		s.Negative += d.Negative
		s.Total += d.Total
		senti[d.Date] = s
	}
	var txSum, rateContacts int64
	var negative, scored int
	sources := map[string]bool{}
	for i, date := range w.Days() {
		d := Day{Date: date, Chat: int(math.Round(in.chat[i])), Voice: int(math.Round(in.voice[i])), TxSource: TxNone}
		d.Contacts = d.Chat + d.Voice
		f.Contacts += d.Contacts
		if n, ok := in.imported[date]; ok {
			d.Transactions, d.TxSource = &n, TxImport
		} else if n, ok := business[date]; ok && n > 0 {
			d.Transactions, d.TxSource = &n, TxBusinessEvents
		}
		if d.Transactions != nil {
			sources[d.TxSource] = true
			txSum += *d.Transactions
			rateContacts += int64(d.Contacts)
			d.Rate = rate(int64(d.Contacts), *d.Transactions)
		}
		if s := senti[date]; s.Total > 0 {
			d.NegativeShare = ptr(100 * float64(s.Negative) / float64(s.Total))
			negative += s.Negative
			scored += s.Total
		}
		f.Days = append(f.Days, d)
	}
	switch {
	case len(sources) == 0:
		f.TxSource = TxNone
	case len(sources) > 1:
		f.TxSource = TxMixed
	case sources[TxImport]:
		f.TxSource = TxImport
	default:
		f.TxSource = TxBusinessEvents
	}
	if len(sources) > 0 {
		f.Transactions = &txSum
		f.Rate = rate(rateContacts, txSum)
	}
	if scored > 0 {
		f.NegativeShare = ptr(100 * float64(negative) / float64(scored))
	}
	f.TopTopics, f.RisingTopics = rankTopics(in.topics)
	f.Alerts, f.MedianResolutionMinutes = alertLines(in.alerts)
	slices.SortFunc(f.QA.Agents, func(a, b AgentScore) int { return cmp.Or(cmp.Compare(b.Mean, a.Mean), cmp.Compare(a.ID, b.ID)) })
	f.Satisfaction.ByQueue = sortGroups(f.Satisfaction.ByQueue)
	f.Satisfaction.ByIntent = sortGroups(f.Satisfaction.ByIntent)
	return f
}

// rate is contacts per 10,000 transactions; nil when there were no transactions.
func rate(contacts, transactions int64) *float64 {
	if transactions <= 0 {
		return nil
	}
	return ptr(float64(contacts) / float64(transactions) * PerTransactions)
}

func ptr[T any](v T) *T { return &v }

func sortGroups(gs []Group) []Group {
	out := slices.Clone(gs)
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Score.CSATCount, a.Score.CSATCount), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// rankTopics: the TopN largest, and the TopN that rose most (by percent against the week before,
// new ones first, then by absolute change) among those with at least RisingMinCount contacts
// that rose by RisingMinPercent or more.
func rankTopics(all []TopicCount) ([]TopicCount, []Rising) {
	top := slices.Clone(all)
	slices.SortFunc(top, func(a, b TopicCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key)) })
	top = top[:min(TopN, len(top))]
	var rising []Rising
	for _, tc := range all {
		if tc.Count < RisingMinCount || tc.Count <= tc.Previous {
			continue
		}
		r := Rising{TopicCount: tc, Change: tc.Count - tc.Previous}
		if tc.Previous > 0 {
			r.ChangePct = ptr(100 * float64(r.Change) / float64(tc.Previous))
			if *r.ChangePct < RisingMinPercent {
				continue
			}
		}
		rising = append(rising, r)
	}
	pct := func(r Rising) float64 {
		if r.ChangePct == nil {
			return math.Inf(1)
		}
		return *r.ChangePct
	}
	slices.SortFunc(rising, func(a, b Rising) int {
		return cmp.Or(cmp.Compare(pct(b), pct(a)), cmp.Compare(b.Change, a.Change), cmp.Compare(a.Key, b.Key))
	})
	return top, rising[:min(TopN, len(rising))]
}

// alertLines orders the alerts by onset with their resolution minutes, and the median of those.
func alertLines(alerts []Alert) ([]AlertLine, *float64) {
	out := make([]AlertLine, 0, len(alerts))
	var mins []float64
	for _, a := range alerts {
		l := AlertLine{Alert: a}
		if a.ResolvedAt != nil {
			m := a.ResolvedAt.Sub(a.Onset).Minutes()
			l.ResolutionMinutes = &m
			mins = append(mins, m)
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b AlertLine) int { return cmp.Or(a.Onset.Compare(b.Onset), cmp.Compare(a.Topic, b.Topic)) })
	if len(mins) == 0 {
		return out, nil
	}
	sort.Float64s(mins)
	n := len(mins)
	if n%2 == 1 {
		return out, ptr(mins[n/2])
	}
	return out, ptr((mins[n/2-1] + mins[n/2]) / 2)
}
