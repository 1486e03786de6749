package forecastcal

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

var now = time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)

func hours(from, to int) Window {
	return Window{Start: now.Add(time.Duration(from) * time.Hour), End: now.Add(time.Duration(to) * time.Hour)}
}

func TestEventCheck(t *testing.T) {
	known := func(q string) bool { return q == "billing" }
	good := Event{ID: "summer-sale", Type: "campaign", Name: "Summer sale", Queue: "billing", Windows: []Window{hours(24, 48), hours(72, 96)}, Source: SourcePlanned}
	tests := map[string]struct {
		mut  func(e *Event)
		want []string
	}{
		"good":          {func(e *Event) {}, nil},
		"all queues":    {func(e *Event) { e.Queue = "" }, nil},
		"bad id":        {func(e *Event) { e.ID = "Summer Sale" }, []string{"/id"}},
		"bad type":      {func(e *Event) { e.Type = "party" }, []string{"/type"}},
		"no name":       {func(e *Event) { e.Name = " " }, []string{"/name"}},
		"unknown queue": {func(e *Event) { e.Queue = "refunds" }, []string{"/queue"}},
		"no windows":    {func(e *Event) { e.Windows = nil }, []string{"/windows"}},
		"end before":    {func(e *Event) { e.Windows[1] = hours(96, 72) }, []string{"/windows/1/end"}},
		"empty window":  {func(e *Event) { e.Windows[1] = hours(72, 72) }, []string{"/windows/1/end"}},
		"in the past":   {func(e *Event) { e.Windows[0] = hours(-48, -24) }, []string{"/windows/0/end"}},
		"ending now":    {func(e *Event) { e.Windows[0] = hours(-1, 0) }, []string{"/windows/0/end"}},
		"overlap":       {func(e *Event) { e.Windows = append(e.Windows, hours(40, 50)) }, []string{"/windows/2"}},
		// Every window starting before the end of the one that ends last overlaps it, not only
		// the neighbour in start order.
		"overlap not neighbour": {func(e *Event) { e.Windows = []Window{hours(24, 96), hours(30, 40), hours(50, 60)} }, []string{"/windows/1", "/windows/2"}},
		"too long":              {func(e *Event) { e.Windows[0] = hours(1, 24*100) }, []string{"/windows/0/end"}},
		"history":               {func(e *Event) { e.Source = SourceHistory; e.Windows = []Window{hours(-48, -24)} }, nil},
		"history running":       {func(e *Event) { e.Source = SourceHistory; e.Windows = []Window{hours(-1, 1)} }, []string{"/windows/0/end"}},
		"missing start":         {func(e *Event) { e.Windows[0].Start = time.Time{} }, []string{"/windows/0/start"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := good
			e.Windows = slices.Clone(good.Windows)
			tc.mut(&e)
			var got []string
			for _, f := range e.Check(now, known) {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("fields %v, want %v", got, tc.want)
			}
		})
	}
}

// A planned event stays editable once some of its windows have passed: windows unchanged from the
// stored event may have ended; new or changed ones must end after now.
func TestEventCheckReplacing(t *testing.T) {
	old := Event{ID: "summer-sale", Type: "campaign", Name: "Summer sale", Windows: []Window{hours(-48, -24), hours(24, 48)}, Source: SourcePlanned}
	tests := map[string]struct {
		windows []Window
		old     Event
		want    []string
	}{
		"unchanged past window":  {[]Window{hours(-48, -24), hours(24, 72)}, old, nil},
		"changed past window":    {[]Window{hours(-48, -20), hours(24, 48)}, old, []string{"/windows/0/end"}},
		"new past window":        {[]Window{hours(-48, -24), hours(-10, -5), hours(24, 48)}, old, []string{"/windows/1/end"}},
		"no stored event":        {[]Window{hours(-48, -24), hours(24, 48)}, Event{}, []string{"/windows/0/end"}},
		"stored event history":   {[]Window{hours(-48, -24), hours(24, 48)}, Event{Source: SourceHistory, Windows: old.Windows}, []string{"/windows/0/end"}},
		"overlaps a kept window": {[]Window{hours(-48, -24), hours(-30, 48)}, old, []string{"/windows/1"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := old
			e.Name = "Summer sale, extended"
			e.Windows = tc.windows
			var got []string
			for _, f := range e.CheckReplacing(tc.old, now, nil) {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("fields %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSettingsCheck(t *testing.T) {
	tests := map[string]struct {
		s    Settings
		want string
	}{
		"empty":        {Settings{}, "[]"},
		"zone":         {Settings{TimeZone: "Asia/Shanghai", Holidays: []Holiday{{"2025-10-01", "National Day"}}}, "[]"},
		"bad zone":     {Settings{TimeZone: "Mars/Olympus"}, "[/time_zone]"},
		"local":        {Settings{TimeZone: "Local"}, "[/time_zone]"},
		"bad date":     {Settings{Holidays: []Holiday{{"2025-13-01", "x"}}}, "[/holidays/0/date]"},
		"repeated":     {Settings{Holidays: []Holiday{{"2025-10-01", "a"}, {"2025-10-01", "b"}}}, "[/holidays/1/date]"},
		"nameless day": {Settings{Holidays: []Holiday{{"2025-10-01", ""}}}, "[/holidays/0/name]"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, f := range tc.s.Check() {
				got = append(got, f.Field)
			}
			if s := "[" + strings.Join(got, " ") + "]"; s != tc.want {
				t.Fatalf("fields %s, want %s", s, tc.want)
			}
		})
	}
}

func TestOccurrencesAndCalendar(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ddb, table := emulators.NewTable(t, store.CreateTable)
	db := store.New(ddb, table)
	c := New(db)
	acme, _ := tenant.Parse("acme")
	for _, e := range []Event{
		{ID: "sale", Type: "campaign", Name: "Sale", Queue: "billing", Windows: []Window{hours(24, 48)}, Source: SourcePlanned},
		{ID: "outage-may", Type: "outage", Name: "May outage", Windows: []Window{hours(-100, -90), hours(-200, -190)}, Source: SourceHistory},
		{ID: "launch", Type: "product_launch", Name: "Launch", Queue: "sales", Windows: []Window{hours(5, 6)}, Source: SourcePlanned},
	} {
		if err := db.Create(ctx, acme, EventKey(e.ID), e); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(queue string) string {
		occ, err := c.Occurrences(ctx, acme, queue)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range occ {
			out = append(out, o.ID)
		}
		return strings.Join(out, " ")
	}
	if got := ids("billing"); got != "outage-may outage-may sale" {
		t.Fatalf("billing: %s", got)
	}
	if got := ids(intervals.AllQueues); got != "outage-may outage-may launch sale" {
		t.Fatalf("_all: %s", got)
	}
	cal, err := c.Calendar(ctx, acme)
	if err != nil || cal.Location != time.UTC || len(cal.Holidays) != 0 {
		t.Fatalf("default calendar %+v %v", cal, err)
	}
	if err := db.Create(ctx, acme, SettingsKey, Settings{TimeZone: "Asia/Shanghai", Holidays: []Holiday{{"2025-10-01", "National Day"}}}); err != nil {
		t.Fatal(err)
	}
	cal, err = c.Calendar(ctx, acme)
	if err != nil || cal.Location.String() != "Asia/Shanghai" || cal.Holidays["2025-10-01"] != "National Day" {
		t.Fatalf("calendar %+v %v", cal, err)
	}
}
