package wallboard

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/lingxi/lingxi/events"
)

// Board is the figures a supervisor watches, rendered at At: the JSON of GET /v1/wallboard and of
// the WebSocket's "wallboard" message.
type Board struct {
	// Day is the tenant's day the counters cover (2006-01-02).
	Day string `json:"day"`
	// TimeZone is the zone of that day.
	TimeZone string `json:"time_zone"`
	// At is when the figures were rendered; waits are measured to it.
	At time.Time `json:"at"`
	// Queues are the figures of each queue, by queue id.
	Queues []QueueFigures `json:"queues"`
	// Totals sums every queue (its targets are zero: each queue counted with its own).
	Totals QueueFigures `json:"totals"`
	// AgentsByState counts the agents in each status (available, break, offline; all present).
	AgentsByState map[events.AgentStatus]int `json:"agents_by_state"`
	// Agents are the agents known, by id.
	Agents []AgentFigures `json:"agents"`
	// Arrivals are contacts handed to people (contact.created) per 15 minutes, from the day's
	// start to the interval of At.
	Arrivals []Interval `json:"arrivals"`
	// Strategies are the dispatch engine's strategies in force at At (dispatch.strategy
	// activated or overridden, not withdrawn), by queue and strategy.
	Strategies []StrategyFigures `json:"strategies"`
}

// QueueFigures are one queue's figures.
//
// Formulas (the usual ones of contact centres; "today" is the tenant's day):
//
//   - Service level = answered within the target ÷ (answered + abandoned after the target), as a
//     percentage: contacts that gave up before the target are left out, neither met nor missed
//     (the TSF form that excludes short abandons). Null while the denominator is 0.
//   - ASA (average speed of answer) = total wait of the answered ÷ answered, in seconds (the wait
//     is contact.assigned's wait_ms: queued to accepted). Null while none was answered.
//   - Abandon rate = abandoned ÷ (answered + abandoned), as a percentage: of the contacts whose
//     wait ended today, the share that left without an agent. Null while both are 0.
//   - Diverted = callers who hung up after the dispatch engine offered them self-service
//     (contact.abandoned with reason diverted); they are not counted as abandoned.
//   - Offered = contacts that entered the queue today (contact.queued into it, or an offer straight
//     to an agent after a transfer); a declined or timed-out offer puts the contact back without
//     counting it again.
//   - Waiting = contacts queued or being offered now; LongestWaitSeconds = At − OldestEnqueuedAt,
//     so a client can keep the longest wait ticking between pushes.
//
// Percentages and seconds are rounded to one decimal.
type QueueFigures struct {
	Queue                string     `json:"queue"`
	Name                 string     `json:"name,omitempty"`
	TargetSeconds        int        `json:"target_seconds"`
	TargetPercent        int        `json:"target_percent"`
	Waiting              int        `json:"waiting"`
	Ringing              int        `json:"ringing"` // of Waiting, offered to an agent now
	OldestEnqueuedAt     *time.Time `json:"oldest_enqueued_at"`
	LongestWaitSeconds   int        `json:"longest_wait_seconds"`
	Offered              int        `json:"offered"`
	Answered             int        `json:"answered"`
	AnsweredInTarget     int        `json:"answered_in_target"`
	Abandoned            int        `json:"abandoned"`
	AbandonedAfterTarget int        `json:"abandoned_after_target"`
	Diverted             int        `json:"diverted"`
	ServiceLevel         *float64   `json:"service_level"`
	ASASeconds           *float64   `json:"asa_seconds"`
	AbandonRate          *float64   `json:"abandon_rate"`

	answerWaitMS int64
}

// AgentFigures are one agent's status and load.
type AgentFigures struct {
	AgentID        string             `json:"agent_id"`
	State          events.AgentStatus `json:"state"`
	Since          time.Time          `json:"since"`
	SecondsInState int                `json:"seconds_in_state"`
	Contacts       int                `json:"contacts"` // assigned or in wrap-up
	Offers         int                `json:"offers"`   // offered to the agent now
}

// Interval is the arrivals of one 15-minute interval.
type Interval struct {
	Start    time.Time `json:"start"`
	Contacts int       `json:"contacts"`
}

// Board renders the figures at now.
func (s *State) Board(now time.Time) Board {
	now = now.In(s.loc)
	b := Board{Day: s.d.Day, TimeZone: s.loc.String(), At: now,
		Queues: []QueueFigures{}, Agents: []AgentFigures{}, Arrivals: []Interval{},
		AgentsByState: map[events.AgentStatus]int{events.AgentAvailable: 0, events.AgentBreak: 0, events.AgentOffline: 0}}

	byQueue := map[string]*QueueFigures{}
	for _, id := range slices.Sorted(maps.Keys(s.d.Queues)) {
		q := s.d.Queues[id]
		byQueue[id] = &QueueFigures{Queue: id, Name: q.Name, TargetSeconds: q.TargetSeconds, TargetPercent: q.TargetPercent,
			Offered: q.Offered, Answered: q.Answered, AnsweredInTarget: q.AnsweredInTarget, answerWaitMS: q.AnswerWaitMS,
			Abandoned: q.Abandoned, AbandonedAfterTarget: q.AbandonedAfterTarget, Diverted: q.Diverted}
	}
	type load struct{ contacts, offers int }
	loads := map[string]*load{}
	for _, c := range s.d.Contacts {
		if c.AgentID != "" {
			l := loads[c.AgentID]
			if l == nil {
				l = &load{}
				loads[c.AgentID] = l
			}
			if c.Status == StatusOffered {
				l.offers++
			} else {
				l.contacts++
			}
		}
		if !c.waiting() {
			continue
		}
		f := byQueue[c.Queue]
		if f == nil {
			f = &QueueFigures{Queue: c.Queue, TargetSeconds: DefaultTargetSeconds, TargetPercent: DefaultTargetPercent}
			byQueue[c.Queue] = f
		}
		f.wait(c)
	}
	t := &b.Totals
	for _, id := range slices.Sorted(maps.Keys(byQueue)) {
		f := byQueue[id]
		f.finish(now)
		b.Queues = append(b.Queues, *f)
		t.Waiting += f.Waiting
		t.Ringing += f.Ringing
		if f.OldestEnqueuedAt != nil && (t.OldestEnqueuedAt == nil || f.OldestEnqueuedAt.Before(*t.OldestEnqueuedAt)) {
			t.OldestEnqueuedAt = f.OldestEnqueuedAt
		}
		t.Offered += f.Offered
		t.Answered += f.Answered
		t.AnsweredInTarget += f.AnsweredInTarget
		t.answerWaitMS += f.answerWaitMS
		t.Abandoned += f.Abandoned
		t.AbandonedAfterTarget += f.AbandonedAfterTarget
		t.Diverted += f.Diverted
	}
	t.finish(now)

	for _, id := range slices.Sorted(maps.Keys(s.d.Agents)) {
		a := s.d.Agents[id]
		f := AgentFigures{AgentID: id, State: a.State, Since: a.Since.In(s.loc), SecondsInState: seconds(now.Sub(a.Since))}
		if l := loads[id]; l != nil {
			f.Contacts, f.Offers = l.contacts, l.offers
		}
		b.Agents = append(b.Agents, f)
		b.AgentsByState[a.State]++
	}

	last := len(s.d.Arrivals) - 1
	if now.Before(s.start) {
		last = -1
	} else if i := int(now.Sub(s.start) / (IntervalMinutes * time.Minute)); i < last {
		last = i
	}
	for i := 0; i <= last; i++ {
		b.Arrivals = append(b.Arrivals, Interval{Start: s.start.Add(time.Duration(i) * IntervalMinutes * time.Minute), Contacts: s.d.Arrivals[i]})
	}
	b.Strategies = s.strategiesAt(now)
	return b
}

// wait counts a waiting contact.
func (f *QueueFigures) wait(c *contactData) {
	f.Waiting++
	if c.Status == StatusOffered {
		f.Ringing++
	}
	if f.OldestEnqueuedAt == nil || c.EnqueuedAt.Before(*f.OldestEnqueuedAt) {
		at := c.EnqueuedAt
		f.OldestEnqueuedAt = &at
	}
}

// finish computes the ratios and the longest wait at now.
func (f *QueueFigures) finish(now time.Time) {
	if f.OldestEnqueuedAt != nil {
		at := f.OldestEnqueuedAt.In(now.Location())
		f.OldestEnqueuedAt = &at
		f.LongestWaitSeconds = seconds(now.Sub(at))
	}
	f.ServiceLevel = percent(f.AnsweredInTarget, f.Answered+f.AbandonedAfterTarget)
	f.AbandonRate = percent(f.Abandoned, f.Answered+f.Abandoned)
	if f.Answered > 0 {
		f.ASASeconds = ptr(round1(float64(f.answerWaitMS) / 1000 / float64(f.Answered)))
	}
}

// seconds is d in whole seconds, never negative (a clock a little behind an event's).
func seconds(d time.Duration) int { return int(max(d, 0) / time.Second) }

func percent(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	return ptr(round1(100 * float64(n) / float64(of)))
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func ptr[T any](v T) *T { return &v }
