package conversation

import (
	"context"
	"testing"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/steering/overlay"
	"github.com/lingxi/lingxi/shared/tenant"
)

// BenchmarkTurn measures a turn's load and decide phases (no commit) over newBot's in-memory
// configuration and reports the table reads each makes (reads/op): the cost the lazy overlay
// load adds where it applies and, by "eager", what reading it on every turn would cost. Run:
//
//	go test -run '^$' -bench BenchmarkTurn -benchtime 2000x ./shared/conversation
func BenchmarkTurn(b *testing.B) {
	for _, bc := range []struct {
		name   string
		last   string
		text   string
		steer  bool // the tenant has an overlay with bot first in force
		eager  bool // read the overlay up front, as a once-per-turn load would
		answer State
	}{
		{"answer/lazy", "", "opening hours", true, false, StateActive},
		{"answer/eager", "", "opening hours", true, true, StateActive},
		{"person-no-overlay/lazy", "opening_hours", "talk to a person", false, false, StateHandoff},
		{"person-bot-first/lazy", "opening_hours", "talk to a person", true, false, StateActive},
		{"person-bot-first/eager", "opening_hours", "talk to a person", true, true, StateActive},
		{"refund-handoff/lazy", "", "I want a refund", true, false, StateHandoff},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, ten := newBot(b)
			db := s.db.(botDB)
			if bc.steer {
				db[overlay.Kind+"/current"] = *steered(decideNow)
			}
			counting := &countingDB{DB: db, reads: map[string]int{}}
			s.db = counting
			set, err := s.settings(b.Context(), ten)
			if err != nil {
				b.Fatal(err)
			}
			c := &Conversation{ID: "cv-1", Channel: events.ChannelChat, Language: botconfig.LangEN, State: StateActive, CreatedAt: decideNow, LastIntent: bc.last}
			clear(counting.reads)
			b.ResetTimer()
			for b.Loop() {
				d, err := s.turnWith(b.Context(), ten, c, set, Input{Text: bc.text}, decideNow, bc.eager)
				if err != nil || d.c.State != bc.answer {
					b.Fatalf("%s: %v", d.c.State, err)
				}
			}
			b.StopTimer()
			reads := 0
			for _, n := range counting.reads {
				reads += n
			}
			b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
		})
	}
}

// turnWith is Service.turn, reading the overlay up front when eager.
func (s *Service) turnWith(ctx context.Context, t tenant.ID, c *Conversation, set botconfig.Settings, in Input, now time.Time, eager bool) (*decision, error) {
	if !eager {
		return s.turn(ctx, t, c, set, in, now)
	}
	l, err := s.loadTurn(ctx, t, set, c, in)
	if err != nil {
		return nil, err
	}
	if err := s.loadSteering(ctx, l, c.ID); err != nil {
		return nil, err
	}
	return s.decideLoaded(ctx, l, c, in, now)
}
