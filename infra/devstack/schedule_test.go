package devstack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestParseSchedule(t *testing.T) {
	cases := []struct {
		expr string
		ok   bool
	}{
		{"rate(1 minute)", true},
		{"rate(5 minutes)", true},
		{"rate(2 hours)", true},
		{"rate(1 day)", true},
		{"rate(1 minutes)", false},
		{"rate(5 minute)", false},
		{"rate(0 minutes)", false},
		{"rate(5 weeks)", false},
		{"cron(0 12 * * ? *)", true},
		{"cron(0/15 8-17 ? * MON-FRI *)", true},
		{"cron(0 12 * * * *)", false}, // one day field must be ?
		{"cron(0 12 * *)", false},
		{"cron(61 12 * * ? *)", false},
		{"cron(0 9 ? * 2#1 *)", true},
		{"cron(0 0 L * ? *)", true},
		{"every minute", false},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := parseSchedule(c.expr)
			if (err == nil) != c.ok {
				t.Errorf("err = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestScheduleNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02T15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		expr, from, want string
	}{
		{"cron(0 12 * * ? *)", "2030-01-01T11:58", "2030-01-01T12:00"},
		{"cron(0 12 * * ? *)", "2030-01-01T12:00", "2030-01-02T12:00"},
		{"cron(0/15 * * * ? *)", "2030-01-01T10:07", "2030-01-01T10:15"},
		{"cron(0 10 ? * MON-FRI *)", "2030-01-05T09:00", "2030-01-07T10:00"}, // Saturday -> Monday
		{"cron(0 0 L * ? *)", "2030-02-03T00:00", "2030-02-28T00:00"},
		{"cron(0 9 ? * 2#1 *)", "2030-01-08T00:00", "2030-02-04T09:00"},  // first Monday
		{"cron(0 9 ? * 6L *)", "2030-01-01T00:00", "2030-01-25T09:00"},   // last Friday
		{"cron(30 8 15W * ? *)", "2030-06-01T00:00", "2030-06-14T08:30"}, // the 15th is a Saturday
		{"cron(0 12 1 JAN ? 2031)", "2030-03-01T00:00", "2031-01-01T12:00"},
		{"cron(0 0 29 2 ? *)", "2030-03-01T00:00", "2032-02-29T00:00"},
		{"cron(0 22 ? * FRI-MON *)", "2030-01-02T00:00", "2030-01-04T22:00"}, // a wrapping range
	}
	for _, c := range cases {
		t.Run(c.expr+" from "+c.from, func(t *testing.T) {
			s, err := parseSchedule(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.next(at(c.from)); !got.Equal(at(c.want)) {
				t.Errorf("next = %s, want %s", got.Format(time.RFC3339), c.want)
			}
		})
	}
	r, _ := parseSchedule("rate(5 minutes)")
	rs := r.(*rateSchedule)
	rs.start = at("2030-01-01T10:00")
	if got := rs.next(rs.start); !got.Equal(at("2030-01-01T10:05")) {
		t.Errorf("rate next = %s", got)
	}
	if got := rs.next(at("2030-01-01T10:07")); !got.Equal(at("2030-01-01T10:10")) {
		t.Errorf("rate next = %s", got)
	}
}

// A rate(1 minute) and a cron schedule fire on the test's clock, with EventBridge's payload.
func TestSchedulesFire(t *testing.T) {
	clock := newFakeClock(time.Date(2030, 1, 1, 11, 58, 30, 0, time.UTC))
	st, logs := startStack(t, "schedule.yaml", func(c *Config) { c.Clock = clock })
	ticks := func(n int) []events.EventBridgeEvent {
		t.Helper()
		var out []events.EventBridgeEvent
		for _, l := range logs.waitLines(t, 20*time.Second, n, "[Tick] TICK ") {
			if rest, ok := strings.CutPrefix(l, "[Tick] TICK "); ok {
				var ev events.EventBridgeEvent
				if err := json.Unmarshal([]byte(rest), &ev); err != nil {
					t.Fatalf("%s: %v", rest, err)
				}
				out = append(out, ev)
			}
		}
		return out
	}

	clock.waitTimers(t, 2) // both schedules are waiting
	if n := logs.count("[Tick] TICK"); n != 0 {
		t.Fatalf("%d ticks before any time passed", n)
	}
	clock.Advance(time.Minute)
	ev := ticks(1)[0]
	rule := "arn:aws:events:us-east-1:000000000000:rule/" + st.cfg.StackName + "-TickEveryMinute"
	if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" || ev.AccountID != AccountID || ev.Region != Region ||
		!ev.Time.Equal(time.Date(2030, 1, 1, 11, 59, 30, 0, time.UTC)) || len(ev.Resources) != 1 || ev.Resources[0] != rule ||
		string(ev.Detail) != "{}" || ev.ID == "" || ev.Version != "0" {
		t.Errorf("scheduled event %+v", ev)
	}

	clock.waitTimers(t, 2)
	clock.Advance(time.Minute) // 12:00:30: the noon cron and the second rate tick
	evs := ticks(3)
	noon := 0
	for _, e := range evs {
		if e.Resources[0] == "arn:aws:events:us-east-1:000000000000:rule/noon-rule" {
			noon++
			if !e.Time.Equal(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)) {
				t.Errorf("noon event at %s", e.Time)
			}
		}
	}
	if noon != 1 || len(evs) != 3 {
		t.Errorf("%d events, %d from the noon rule: %+v", len(evs), noon, evs)
	}
}
