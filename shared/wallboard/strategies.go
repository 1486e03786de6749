package wallboard

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/lingxi/lingxi/events"
)

// MaxStrategies is how many activations of the dispatch engine a State remembers (in force, or
// withdrawn and kept so that a late copy of their activation changes nothing); past it the least
// recently changed is forgotten.
const MaxStrategies = 500

// staleStrategy: an activation whose last event is this old is neither shown (its withdrawal was
// lost) nor carried into the next day.
const staleStrategy = 24 * time.Hour

// strategyData is one activation of the dispatch engine as its dispatch.strategy events left it.
type strategyData struct {
	Queue    string                `json:"q"`
	Strategy events.StrategyKind   `json:"k"`
	Source   events.StrategySource `json:"src"`
	Since    time.Time             `json:"since"`
	Until    *time.Time            `json:"until,omitempty"`
	Reason   string                `json:"reason,omitempty"`
	// Withdrawn says the activation ended; it is kept (not shown) so that an older event of it,
	// delivered late, does not bring it back.
	Withdrawn bool `json:"w,omitempty"`
	// Changed is the time of the event that last changed it.
	Changed time.Time `json:"c"`
}

// inForce reports whether the activation is in force at now: started and not withdrawn. Its Until
// does not end it here: the engine renews an activation it keeps (a later Until) without an event,
// and announces every end, a lapse included, as withdrawn. An activation whose last event is a day
// old is taken for ended (its withdrawal was lost).
func (d *strategyData) inForce(now time.Time) bool {
	return !d.Withdrawn && !now.Before(d.Since) && now.Sub(d.Changed) < staleStrategy
}

// StrategyFigures is one strategy of the dispatch engine in force on a queue.
type StrategyFigures struct {
	// ActivationID is the activation (GET /v1/dispatch/activations/{id}).
	ActivationID string `json:"activation_id"`
	Queue        string `json:"queue"`
	// Strategy is which strategy (divert, callback, overflow, …).
	Strategy events.StrategyKind `json:"strategy"`
	// Source is who decided it: the engine, or a supervisor's override.
	Source events.StrategySource `json:"source"`
	// Since is when it started; Until when it lapses unless renewed, as its last event said (null:
	// no end known). The engine renews an activation it keeps without an event, so Until may have
	// passed while it is still in force: it is shown until withdrawn.
	Since time.Time  `json:"since"`
	Until *time.Time `json:"until"`
	// Reason is the one sentence of why it was turned on.
	Reason string `json:"reason"`
}

// strategy folds a dispatch.strategy event: activated and overridden put the activation in force
// (with the event's Until), withdrawn ends it. An event older than the one the activation last
// changed with is ignored, and at the same time withdrawn wins, so the order of delivery does not
// matter.
func (s *State) strategy(e events.Envelope) error {
	p, err := read[events.DispatchStrategy](e)
	if err != nil {
		return err
	}
	withdrawn := p.Action == events.StrategyWithdrawn
	old := s.d.Strategies[p.ActivationID]
	if old != nil && (e.Time.Before(old.Changed) || e.Time.Equal(old.Changed) && (old.Withdrawn || !withdrawn)) {
		return nil
	}
	d := &strategyData{Queue: p.Queue, Strategy: p.Strategy, Source: p.Source, Since: p.Since, Reason: p.Reason,
		Withdrawn: withdrawn, Changed: e.Time}
	if p.Until != nil && !withdrawn {
		u := *p.Until
		d.Until = &u
	}
	if s.d.Strategies == nil {
		s.d.Strategies = map[string]*strategyData{}
	}
	s.d.Strategies[p.ActivationID] = d
	s.trimStrategies()
	return nil
}

// trimStrategies forgets the least recently changed activations past MaxStrategies.
func (s *State) trimStrategies() {
	n := len(s.d.Strategies) - MaxStrategies
	if n <= 0 {
		return
	}
	ids := slices.SortedFunc(maps.Keys(s.d.Strategies), func(a, b string) int {
		return cmp.Or(s.d.Strategies[a].Changed.Compare(s.d.Strategies[b].Changed), cmp.Compare(a, b))
	})
	for _, id := range ids[:n] {
		delete(s.d.Strategies, id)
	}
}

// strategiesAt are the activations in force at now, by queue, strategy and id.
func (s *State) strategiesAt(now time.Time) []StrategyFigures {
	out := []StrategyFigures{}
	for id, d := range s.d.Strategies {
		if !d.inForce(now) {
			continue
		}
		f := StrategyFigures{ActivationID: id, Queue: d.Queue, Strategy: d.Strategy, Source: d.Source,
			Since: d.Since.In(now.Location()), Reason: d.Reason}
		if d.Until != nil {
			u := d.Until.In(now.Location())
			f.Until = &u
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b StrategyFigures) int {
		return cmp.Or(cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.Strategy, b.Strategy), cmp.Compare(a.ActivationID, b.ActivationID))
	})
	return out
}

// carryStrategies copies into n, a later day's state, the activations changed within the last day:
// those in force, and the withdrawn ones that keep late copies of their events out.
func (s *State) carryStrategies(n *State) {
	for id, d := range s.d.Strategies {
		if n.start.Sub(d.Changed) >= staleStrategy {
			continue
		}
		if n.d.Strategies == nil {
			n.d.Strategies = map[string]*strategyData{}
		}
		dd := *d
		n.d.Strategies[id] = &dd
	}
}
