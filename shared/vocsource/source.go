// Package vocsource reads the weekly VOC report's figures (shared/vocreport's Source) from the
// stores the feedback function fills: satisfaction from shared/satisfaction's daily sums, the
// negative share, topics, intents and business events from shared/voc's interval counters, spike
// alerts from shared/voc's alert store, and quality scores from shared/inspect's results.
//
// Time: the counters are kept per 5-minute interval, so sentiment, topics and business events are
// summed per local day of the tenant's week exactly. Satisfaction is kept per UTC day: the week's
// answers are those of the UTC days with the week's seven local dates (in a time zone east of UTC
// an answer given after local midnight but before UTC midnight counts on the day before).
package vocsource

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/users"
	"github.com/lingxi/lingxi/shared/voc"
	"github.com/lingxi/lingxi/shared/vocreport"
)

// Channels are the channels whose negative share the report sums.
var Channels = []events.Channel{events.ChannelChat, events.ChannelVoice}

// MaxAlertPages bounds the alert pages one week reads (newest first, stopping at the week's
// start).
const MaxAlertPages = 50

// Source is vocreport.Source over the real stores.
type Source struct {
	DB        *store.Store   // satisfaction's daily sums, the agents' names
	Counts    *voc.Counters  // intervals of every key
	AlertBook *voc.Alerts    // spike alerts
	TopicBook *voc.TopicBook // the names of known topics (nil: the names kept with examples)
	QABook    *inspect.Book  // inspection results
}

var _ vocreport.Source = Source{}

// New returns the Source over db's stores. It only reads: its alert store and inspection book
// have no committer.
func New(db *store.Store) Source {
	return Source{DB: db, Counts: voc.NewCounters(db), AlertBook: voc.NewAlerts(db, nil, ""),
		TopicBook: voc.NewTopicBook(db, nil), QABook: inspect.NewBook(db, nil, "", nil)}
}

// Satisfaction is the week's answers by queue and by intent; overall is combined from the
// by-queue rows when they hold any answer, else from the by-intent rows (every answer joined to
// a contact has a channel, so the channel rows are the fullest: they are used when present).
func (s Source) Satisfaction(ctx context.Context, t tenant.ID, w vocreport.Week) (vocreport.Satisfaction, error) {
	days := w.Days()
	from, to := days[0], days[6]
	var out vocreport.Satisfaction
	rows := map[satisfaction.Dimension][]satisfaction.Row{}
	for _, by := range []satisfaction.Dimension{satisfaction.ByQueue, satisfaction.ByIntent, satisfaction.ByChannel} {
		r, err := satisfaction.Figures(ctx, s.DB, t, by, from, to)
		if err != nil {
			return out, err
		}
		rows[by] = r
	}
	out.ByQueue, out.ByIntent = groups(rows[satisfaction.ByQueue]), groups(rows[satisfaction.ByIntent])
	for _, by := range []satisfaction.Dimension{satisfaction.ByChannel, satisfaction.ByQueue, satisfaction.ByIntent} {
		if len(rows[by]) > 0 {
			out.Overall = Combine(rows[by])
			break
		}
	}
	return out, nil
}

// Combine is the overall score of one dimension's rows (each answer is in exactly one row): the
// CSAT mean and percent weighted by each row's count, NPS = 100 · (Σ promoters − Σ detractors) /
// Σ NPS answers. Rounded to two decimals as satisfaction's rows are; the rows' means and shares
// come rounded to two decimals, so the combined CSAT figures are within 0.005 of the exact ones
// (NPS is exact: it is made from counts).
func Combine(rows []satisfaction.Row) vocreport.Score {
	var sc vocreport.Score
	var mean, pct float64
	var pro, det int64
	for _, r := range rows {
		if r.CSATCount > 0 && r.CSATMean != nil && r.CSATPercent != nil {
			sc.CSATCount += int(r.CSATCount)
			mean += *r.CSATMean * float64(r.CSATCount)
			pct += *r.CSATPercent * float64(r.CSATCount)
		}
		sc.NPSCount += int(r.NPSCount)
		pro += r.Promoters
		det += r.Detractors
	}
	if sc.CSATCount > 0 {
		sc.CSATMean, sc.CSATPercent = round2(mean/float64(sc.CSATCount)), round2(pct/float64(sc.CSATCount))
	}
	if sc.NPSCount > 0 {
		sc.NPS = round2(100 * float64(pro-det) / float64(sc.NPSCount))
	}
	return sc
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func groups(rows []satisfaction.Row) []vocreport.Group {
	out := make([]vocreport.Group, 0, len(rows))
	for _, r := range rows {
		out = append(out, vocreport.Group{Key: r.Value, Score: Combine([]satisfaction.Row{r})})
	}
	return out
}

// Sentiment is, per local day, the customer messages scored (total:<channel>) and the negative
// ones (negative:<channel>), chat and voice together; nil when none was scored in the week.
func (s Source) Sentiment(ctx context.Context, t tenant.ID, w vocreport.Week) ([]vocreport.DayShare, error) {
	neg, tot := make([]int64, 7), make([]int64, 7)
	seen := false
	for _, ch := range Channels {
		for _, k := range []struct {
			key string
			to  []int64
		}{{voc.NegativeKey(ch), neg}, {voc.TotalKey(ch), tot}} {
			n, err := s.perDay(ctx, t, w, k.key, k.to)
			if err != nil {
				return nil, err
			}
			seen = seen || n > 0
		}
	}
	if !seen {
		return nil, nil
	}
	out := make([]vocreport.DayShare, 7)
	for i, d := range w.Days() {
		out[i] = vocreport.DayShare{Date: d, Negative: int(neg[i]), Total: int(tot[i])}
	}
	return out, nil
}

// perDay adds key's counts in w to into per local day and returns the week's sum.
func (s Source) perDay(ctx context.Context, t tenant.ID, w vocreport.Week, key string, into []int64) (int64, error) {
	cs, err := s.Counts.Between(ctx, t, key, w.From, w.To)
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, c := range cs {
		if d := w.DayIndex(c.Start); d >= 0 {
			into[d] += int64(c.N)
			sum += int64(c.N)
		}
	}
	return sum, nil
}

// Topics is every intent:* and topic:* key counted in w with its count in the week before.
// Intents are named by their name; topics by the topic tracker's name, else the name kept with
// their newest example.
func (s Source) Topics(ctx context.Context, t tenant.ID, w vocreport.Week) ([]vocreport.TopicCount, error) {
	cur, err := s.Counts.Totals(ctx, t, w.From, w.To)
	if err != nil {
		return nil, err
	}
	prev := w.Previous()
	old, err := s.Counts.Totals(ctx, t, prev.From, prev.To)
	if err != nil {
		return nil, err
	}
	before := map[string]float64{}
	for _, k := range old {
		before[k.Key] = k.Total
	}
	names, err := s.topicNames(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []vocreport.TopicCount
	for _, k := range cur {
		kind, name, ok := voc.KindOf(k.Key)
		if !ok || (kind != events.AlertIntent && kind != events.AlertTopic) {
			continue
		}
		if kind == events.AlertTopic {
			if n := names[name]; n != "" {
				name = n
			} else if ex, err := s.Counts.Examples(ctx, t, k.Key, 1); err == nil && len(ex) > 0 && ex[0].Name != "" {
				name = ex[0].Name
			}
		}
		out = append(out, vocreport.TopicCount{Key: k.Key, Name: name, Count: int(k.Total), Previous: int(before[k.Key])})
	}
	slices.SortFunc(out, func(a, b vocreport.TopicCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
	})
	return out, nil
}

func (s Source) topicNames(ctx context.Context, t tenant.ID) (map[string]string, error) {
	out := map[string]string{}
	if s.TopicBook == nil {
		return out, nil
	}
	known, err := s.TopicBook.Known(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("topic names of %s: %w", t, err)
	}
	for _, k := range known {
		out[k.ID] = k.Name
	}
	return out, nil
}

// Alerts is every spike alert whose onset is in w, with its resolution time when resolved.
func (s Source) Alerts(ctx context.Context, t tenant.ID, w vocreport.Week) ([]vocreport.Alert, error) {
	var out []vocreport.Alert
	page := store.PageRequest{Limit: store.MaxLimit}
	for range MaxAlertPages {
		als, next, err := s.AlertBook.List(ctx, t, "", page)
		if err != nil {
			return nil, err
		}
		done := next == ""
		for _, al := range als {
			if al.At.Before(w.From) { // newest first; an alert is raised at or after its onset
				done = true
				continue
			}
			if al.Onset.Before(w.From) || !al.Onset.Before(w.To) {
				continue
			}
			out = append(out, vocreport.Alert{Topic: cmp.Or(al.Name, al.Key), Kind: string(al.Kind), Onset: al.Onset, ResolvedAt: al.ResolvedAt})
		}
		if done {
			return out, nil
		}
		page.Cursor = next
	}
	return out, errors.New("alerts of " + t.String() + ": more than the pages read")
}

// QA is the quality scores of the contacts inspected in w, per agent with the agent's name.
func (s Source) QA(ctx context.Context, t tenant.ID, w vocreport.Week) (vocreport.QA, error) {
	sum, err := s.QABook.Summary(ctx, t, w.From, w.To)
	if err != nil {
		return vocreport.QA{}, err
	}
	out := vocreport.QA{Count: sum.Count, Mean: sum.Mean}
	for _, a := range sum.Agents {
		name, err := s.agentName(ctx, t, a.AgentID)
		if err != nil {
			return vocreport.QA{}, err
		}
		out.Agents = append(out.Agents, vocreport.AgentScore{ID: a.AgentID, Name: name, Mean: a.Mean, Count: a.Count})
	}
	return out, nil
}

// agentName is a user's display name, else the user name; "" for a user no longer kept (the
// report shows the id).
func (s Source) agentName(ctx context.Context, t tenant.ID, id string) (string, error) {
	var u users.User
	if _, err := s.DB.Get(ctx, t, users.Key(id), &u); errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalidKey) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("agent %s of %s: %w", id, t, err)
	}
	return cmp.Or(u.DisplayName, u.Username), nil
}

// BusinessEvents is the business.event events counted per local day (business:all); nil when the
// tenant sent none in w.
func (s Source) BusinessEvents(ctx context.Context, t tenant.ID, w vocreport.Week) ([]vocreport.DayCount, error) {
	per := make([]int64, 7)
	n, err := s.perDay(ctx, t, w, voc.BusinessKey, per)
	if err != nil || n == 0 {
		return nil, err
	}
	out := make([]vocreport.DayCount, 7)
	for i, d := range w.Days() {
		out[i] = vocreport.DayCount{Date: d, Count: per[i]}
	}
	return out, nil
}
