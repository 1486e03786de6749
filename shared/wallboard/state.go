package wallboard

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lingxi/lingxi/events"
)

// Limits that keep a State, and so its store item, bounded however long a tenant runs.
const (
	// MaxSeen is how many of the most recent event ids a State remembers, so that applying one
	// again changes nothing.
	MaxSeen = 2048
	// MaxContacts is how many contacts in flight (waiting, offered, with an agent) a State
	// remembers; past it the least recently changed is forgotten.
	MaxContacts = 5000
	// staleContact: a contact unchanged this long is not carried into the next day (its end was
	// lost).
	staleContact = 24 * time.Hour
	// staleAgent: an agent offline this long is not carried into the next day.
	staleAgent = 7 * 24 * time.Hour
)

// Service-level target of a queue whose settings are unknown: dispatch's default queue's (80% of
// contacts answered within 20 s).
const (
	DefaultTargetSeconds = 20
	DefaultTargetPercent = 80
)

// Statuses of a contact in flight (Contact.Status): floor's contact states, and transferred
// between contact.transferred and the contact.queued or contact.offered that follows.
const (
	StatusQueued      = "queued"
	StatusOffered     = "offered"
	StatusAssigned    = "assigned"
	StatusWrapup      = "wrapup"
	StatusTransferred = "transferred"
)

// queueData is one queue's settings and today's counters.
type queueData struct {
	Name                 string `json:"name,omitempty"`
	TargetSeconds        int    `json:"target_seconds"`
	TargetPercent        int    `json:"target_percent"`
	Offered              int    `json:"offered"`
	Answered             int    `json:"answered"`
	AnsweredInTarget     int    `json:"answered_in_target"`
	AnswerWaitMS         int64  `json:"answer_wait_ms"`
	Abandoned            int    `json:"abandoned"`
	AbandonedAfterTarget int    `json:"abandoned_after_target"`
	// Diverted are callers who hung up after being offered self-service (contact.abandoned with
	// reason diverted): not abandons.
	Diverted int `json:"diverted,omitempty"`
}

// contactData is a contact in flight. Short keys: there may be thousands in one item.
type contactData struct {
	Queue      string         `json:"q"`
	Channel    events.Channel `json:"ch,omitempty"`
	Status     string         `json:"s"`
	EnqueuedAt time.Time      `json:"e"`
	AgentID    string         `json:"a,omitempty"`
	Changed    time.Time      `json:"c"`
}

func (c *contactData) waiting() bool { return c.Status == StatusQueued || c.Status == StatusOffered }

// agentData is an agent's status and since when.
type agentData struct {
	State events.AgentStatus `json:"state"`
	Since time.Time          `json:"since"`
}

// data is what a State stores.
type data struct {
	Day      string                  `json:"day"`
	Zone     string                  `json:"zone"`
	Queues   map[string]*queueData   `json:"queues"`
	QueuesAt time.Time               `json:"queues_at"`
	Contacts map[string]*contactData `json:"contacts"`
	Agents   map[string]*agentData   `json:"agents"`
	Arrivals []int                   `json:"arrivals"`
	Seen     []string                `json:"seen"` // oldest first
	// Strategies are the dispatch engine's activations, by activation id (strategies.go).
	Strategies map[string]*strategyData `json:"strategies,omitempty"`
}

// State is the fold of one tenant's day: the live floor (who waits, who has which contact, each
// agent's status) and the day's counters. The zero value is not usable; make one with NewState,
// Rollover or Decode. A State is not safe for concurrent use.
type State struct {
	d     data
	loc   *time.Location
	start time.Time // the day's first instant
	seen  map[string]struct{}
}

// NewState returns the empty State of day (2006-01-02) in loc.
func NewState(day string, loc *time.Location) (*State, error) {
	start, err := dayStart(day, loc)
	if err != nil {
		return nil, err
	}
	s := &State{loc: loc, start: start, seen: map[string]struct{}{}}
	s.d = data{
		Day: day, Zone: loc.String(),
		Queues: map[string]*queueData{}, Contacts: map[string]*contactData{}, Agents: map[string]*agentData{},
		Arrivals: make([]int, intervals(start)),
	}
	return s, nil
}

// Day returns the state's day.
func (s *State) Day() string { return s.d.Day }

// Location returns the time zone of the state's day.
func (s *State) Location() *time.Location { return s.loc }

// Rollover returns the State of day, a later day, carrying over what is live (contacts in flight,
// agents' statuses, queue settings, the remembered event ids) with the counters at zero.
// Contacts unchanged for 24 hours and agents offline for 7 days are dropped.
func (s *State) Rollover(day string) (*State, error) {
	n, err := NewState(day, s.loc)
	if err != nil {
		return nil, err
	}
	if day <= s.d.Day {
		return nil, fmt.Errorf("%w: rollover from %s to %s", ErrBadDay, s.d.Day, day)
	}
	for id, q := range s.d.Queues {
		n.d.Queues[id] = &queueData{Name: q.Name, TargetSeconds: q.TargetSeconds, TargetPercent: q.TargetPercent}
	}
	n.d.QueuesAt = s.d.QueuesAt
	for id, c := range s.d.Contacts {
		if n.start.Sub(c.Changed) < staleContact {
			cc := *c
			n.d.Contacts[id] = &cc
		}
	}
	for id, a := range s.d.Agents {
		if a.State != events.AgentOffline || n.start.Sub(a.Since) < staleAgent {
			aa := *a
			n.d.Agents[id] = &aa
		}
	}
	s.carryStrategies(n)
	for _, id := range s.d.Seen {
		n.remember(id)
	}
	return n, nil
}

// QueueSettings are what the board shows of a queue's configuration.
type QueueSettings struct {
	ID, Name                     string
	TargetSeconds, TargetPercent int
}

// SetQueues records the tenant's queues' names and service-level targets (as of at), which
// count answers and abandons from then on; a target of 0 takes the default. Queues not listed keep
// their counters.
func (s *State) SetQueues(qs []QueueSettings, at time.Time) {
	for _, q := range qs {
		d := s.queue(q.ID)
		d.Name = q.Name
		d.TargetSeconds = cmp.Or(q.TargetSeconds, DefaultTargetSeconds)
		d.TargetPercent = cmp.Or(q.TargetPercent, DefaultTargetPercent)
	}
	s.d.QueuesAt = at
}

// QueuesAt returns when SetQueues last ran (zero if never).
func (s *State) QueuesAt() time.Time { return s.d.QueuesAt }

// Seen reports whether the event with id was applied (among the MaxSeen most recent).
func (s *State) Seen(id string) bool { _, ok := s.seen[id]; return ok }

// Contact is what the board knows of a contact in flight.
type Contact struct {
	// Status is queued, offered, assigned, wrapup, or transferred (between contact.transferred
	// and the contact.queued or contact.offered that follows).
	Status string
	// Queue is the queue it waits or waited in.
	Queue string
	// AgentID is the agent it is offered or assigned to, or in wrap-up with; empty otherwise.
	AgentID string
}

// Contact returns the contact in flight with id, and whether there is one.
func (s *State) Contact(id string) (Contact, bool) {
	c := s.d.Contacts[id]
	if c == nil {
		return Contact{}, false
	}
	return Contact{Status: c.Status, Queue: c.Queue, AgentID: c.AgentID}, true
}

// Apply folds e into the state and reports whether it changed anything: false for an event type
// the board does not read (Types) and for an event already applied (by id, among the MaxSeen most
// recent). An event of another day than the state's changes the live floor only, not the day's
// counters. The error wraps ErrBadEvent when e's data cannot be read; the state is then unchanged.
func (s *State) Apply(e events.Envelope) (bool, error) {
	if s.Seen(e.ID) {
		return false, nil
	}
	var err error
	today := DayOf(e.Time, s.loc) == s.d.Day
	switch e.Type {
	case events.TypeContactCreated:
		err = s.created(e, today)
	case events.TypeContactQueued:
		err = s.queued(e, today)
	case events.TypeContactOffered:
		err = s.offered(e, today)
	case events.TypeContactAssigned:
		err = s.assigned(e, today)
	case events.TypeContactAbandoned:
		err = s.abandoned(e, today)
	case events.TypeContactTransferred:
		err = s.transferred(e)
	case events.TypeContactEnded:
		err = s.ended(e)
	case events.TypeAgentState:
		err = s.agent(e)
	case events.TypeDispatchStrategy:
		err = s.strategy(e)
	default:
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.remember(e.ID)
	s.trimContacts()
	return true, nil
}

// created counts an arrival in its interval.
func (s *State) created(e events.Envelope, today bool) error {
	if _, err := read[events.ContactCreated](e); err != nil {
		return err
	}
	if today {
		if i := int(e.Time.Sub(s.start) / (IntervalMinutes * time.Minute)); i >= 0 && i < len(s.d.Arrivals) {
			s.d.Arrivals[i]++
		}
	}
	return nil
}

// queued puts the contact in its queue. Entering a queue counts as offered to that queue; going
// back to the queue it waits in (a declined or timed-out offer) does not, and its wait goes on.
func (s *State) queued(e events.Envelope, today bool) error {
	p, err := read[events.ContactQueued](e)
	if err != nil {
		return err
	}
	c := s.d.Contacts[e.Subject]
	enqueued := e.Time
	if c != nil && c.waiting() {
		enqueued = c.EnqueuedAt // still waiting (in this queue, or overflowing to another): the wait goes on
	}
	if (c == nil || !c.waiting() || c.Queue != p.Queue) && today {
		s.queue(p.Queue).Offered++
	}
	s.d.Contacts[e.Subject] = &contactData{Queue: p.Queue, Channel: p.Channel, Status: StatusQueued, EnqueuedAt: enqueued, Changed: e.Time}
	return nil
}

// offered rings an agent; the contact still waits. A contact offered straight to an agent (a
// transfer to a person) enters the queue here, and is counted as offered to it.
func (s *State) offered(e events.Envelope, today bool) error {
	p, err := read[events.ContactOffered](e)
	if err != nil {
		return err
	}
	if c := s.d.Contacts[e.Subject]; c != nil && !c.waiting() {
		if today {
			s.queue(p.Queue).Offered++
		}
		c.EnqueuedAt = e.Time
	}
	c := s.contact(e, p.Queue)
	c.Queue, c.Channel, c.Status, c.AgentID, c.Changed = p.Queue, p.Channel, StatusOffered, p.AgentID, e.Time
	return nil
}

// assigned counts an answer, within the queue's target or not, and its wait.
func (s *State) assigned(e events.Envelope, today bool) error {
	p, err := read[events.ContactAssigned](e)
	if err != nil {
		return err
	}
	if today {
		q := s.queue(p.Queue)
		q.Answered++
		q.AnswerWaitMS += p.WaitMS
		if p.WaitMS <= int64(q.TargetSeconds)*1000 {
			q.AnsweredInTarget++
		}
	}
	c := s.contact(e, p.Queue)
	c.Queue, c.Channel, c.Status, c.AgentID, c.Changed = p.Queue, p.Channel, StatusAssigned, p.AgentID, e.Time
	return nil
}

// abandoned counts an abandon, after the queue's target or not (a caller who left after being
// offered self-service counts as diverted instead), and forgets the contact.
func (s *State) abandoned(e events.Envelope, today bool) error {
	p, err := read[events.ContactAbandoned](e)
	if err != nil {
		return err
	}
	if today && p.Reason == events.AbandonDiverted {
		s.queue(p.Queue).Diverted++
	} else if today {
		q := s.queue(p.Queue)
		q.Abandoned++
		if p.WaitMS > int64(q.TargetSeconds)*1000 {
			q.AbandonedAfterTarget++
		}
	}
	delete(s.d.Contacts, e.Subject)
	return nil
}

// transferred takes the contact from its agent; contact.queued or contact.offered follows.
func (s *State) transferred(e events.Envelope) error {
	p, err := read[events.ContactTransferred](e)
	if err != nil {
		return err
	}
	c := s.contact(e, p.ToQueue)
	c.Queue, c.Status, c.AgentID, c.Changed = p.ToQueue, StatusTransferred, "", e.Time
	return nil
}

// ended: a contact with an agent and no disposition goes to wrap-up (the customer left); any
// other is over.
func (s *State) ended(e events.Envelope) error {
	p, err := read[events.ContactEnded](e)
	if err != nil {
		return err
	}
	c := s.d.Contacts[e.Subject]
	if c == nil {
		return nil
	}
	if c.Status == StatusAssigned && p.Disposition == "" {
		c.Status, c.Changed = StatusWrapup, e.Time
		return nil
	}
	delete(s.d.Contacts, e.Subject)
	return nil
}

// agent records an agent's status and since when; an older change than the one known is ignored.
func (s *State) agent(e events.Envelope) error {
	p, err := read[events.AgentState](e)
	if err != nil {
		return err
	}
	a := s.d.Agents[p.AgentID]
	if a != nil && e.Time.Before(a.Since) {
		return nil
	}
	s.d.Agents[p.AgentID] = &agentData{State: p.State, Since: e.Time}
	return nil
}

// queue returns the counters of queue id, making them with the default target.
func (s *State) queue(id string) *queueData {
	q := s.d.Queues[id]
	if q == nil {
		q = &queueData{TargetSeconds: DefaultTargetSeconds, TargetPercent: DefaultTargetPercent}
		s.d.Queues[id] = q
	}
	return q
}

// contact returns the contact of e's subject, making it (waiting in queue since e) when unknown:
// its earlier events went to another day's item or were lost.
func (s *State) contact(e events.Envelope, queue string) *contactData {
	c := s.d.Contacts[e.Subject]
	if c == nil {
		c = &contactData{Queue: queue, Status: StatusQueued, EnqueuedAt: e.Time, Changed: e.Time}
		s.d.Contacts[e.Subject] = c
	}
	return c
}

// remember adds id to the window of applied ids, dropping the oldest past MaxSeen.
func (s *State) remember(id string) {
	if _, ok := s.seen[id]; ok {
		return
	}
	s.seen[id] = struct{}{}
	s.d.Seen = append(s.d.Seen, id)
	if n := len(s.d.Seen) - MaxSeen; n > 0 {
		for _, old := range s.d.Seen[:n] {
			delete(s.seen, old)
		}
		s.d.Seen = slices.Clone(s.d.Seen[n:])
	}
}

// trimContacts forgets the least recently changed contacts past MaxContacts.
func (s *State) trimContacts() {
	n := len(s.d.Contacts) - MaxContacts
	if n <= 0 {
		return
	}
	ids := slices.SortedFunc(maps.Keys(s.d.Contacts), func(a, b string) int {
		return cmp.Or(s.d.Contacts[a].Changed.Compare(s.d.Contacts[b].Changed), cmp.Compare(a, b))
	})
	for _, id := range ids[:n] {
		delete(s.d.Contacts, id)
	}
}

// MarshalJSON encodes the state as its store item keeps it.
func (s *State) MarshalJSON() ([]byte, error) { return json.Marshal(s.d) }

// UnmarshalJSON decodes a state MarshalJSON wrote; the error wraps ErrBadItem.
func (s *State) UnmarshalJSON(b []byte) error {
	var d data
	if err := json.Unmarshal(b, &d); err != nil {
		return fmt.Errorf("%w: %w", ErrBadItem, err)
	}
	loc, err := time.LoadLocation(d.Zone)
	if err != nil || d.Zone == "" || d.Zone == "Local" {
		return fmt.Errorf("%w: time zone %q", ErrBadItem, d.Zone)
	}
	n, err := NewState(d.Day, loc)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadItem, err)
	}
	if len(d.Arrivals) != len(n.d.Arrivals) {
		return fmt.Errorf("%w: %d arrival intervals for %s, want %d", ErrBadItem, len(d.Arrivals), d.Day, len(n.d.Arrivals))
	}
	if len(d.Contacts) > MaxContacts {
		return fmt.Errorf("%w: %d contacts, at most %d", ErrBadItem, len(d.Contacts), MaxContacts)
	}
	for id, q := range d.Queues {
		if q == nil {
			return fmt.Errorf("%w: queue %q is null", ErrBadItem, id)
		}
		n.d.Queues[id] = q
	}
	for id, c := range d.Contacts {
		if c == nil {
			return fmt.Errorf("%w: contact %q is null", ErrBadItem, id)
		}
		n.d.Contacts[id] = c
	}
	for id, a := range d.Agents {
		if a == nil {
			return fmt.Errorf("%w: agent %q is null", ErrBadItem, id)
		}
		n.d.Agents[id] = a
	}
	if len(d.Strategies) > MaxStrategies {
		return fmt.Errorf("%w: %d strategies, at most %d", ErrBadItem, len(d.Strategies), MaxStrategies)
	}
	for id, st := range d.Strategies {
		if st == nil {
			return fmt.Errorf("%w: strategy %q is null", ErrBadItem, id)
		}
	}
	n.d.Strategies = d.Strategies
	n.d.Arrivals = d.Arrivals
	n.d.QueuesAt = d.QueuesAt
	for _, id := range d.Seen {
		n.remember(id)
	}
	*s = *n
	return nil
}

// SeedAgent is an agent's status as the floor (shared/floor) keeps it.
type SeedAgent struct {
	ID    string
	State events.AgentStatus
	Since time.Time
}

// SeedContact is a contact in flight as the floor keeps it. Status is queued, offered, assigned
// or wrapup; others are ignored.
type SeedContact struct {
	ID, Queue, AgentID  string
	Channel             events.Channel
	Status              string
	EnqueuedAt, Changed time.Time
}

// Seed adds to the live floor what the state does not know yet: agents' statuses and contacts in
// flight, read from the floor itself. It is for a tenant's first board, which no earlier day
// carries the floor into; what the state knows already is kept. A seeded contact that waits and
// entered its queue on the state's day counts as offered to it (its contact.queued, should it come
// after, finds it waiting there and does not count it again); no other counter moves.
func (s *State) Seed(agents []SeedAgent, contacts []SeedContact) {
	for _, a := range agents {
		if _, ok := s.d.Agents[a.ID]; !ok && a.ID != "" {
			s.d.Agents[a.ID] = &agentData{State: a.State, Since: a.Since}
		}
	}
	for _, c := range contacts {
		switch c.Status {
		case StatusQueued, StatusOffered, StatusAssigned, StatusWrapup:
		default:
			continue
		}
		if _, ok := s.d.Contacts[c.ID]; ok || c.ID == "" {
			continue
		}
		agent := c.AgentID
		if c.Status == StatusQueued {
			agent = ""
		}
		s.d.Contacts[c.ID] = &contactData{Queue: c.Queue, Channel: c.Channel, Status: c.Status, EnqueuedAt: c.EnqueuedAt, AgentID: agent, Changed: c.Changed}
		if (c.Status == StatusQueued || c.Status == StatusOffered) && DayOf(c.EnqueuedAt, s.loc) == s.d.Day {
			s.queue(c.Queue).Offered++
		}
	}
	s.trimContacts()
}
