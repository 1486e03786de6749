// Package forecastcal is a tenant's forecasting calendar: its events (campaigns, product launches,
// outages, billing days, holidays — each with a type and one or more time windows, for one queue
// or all), planned ones and past occurrences imported so the forecaster can learn each type's
// uplift, and the settings the forecaster reads its days in (the time zone and the holidays).
//
// Rules live here (Event.Check, Settings.Check) so the api routes and any other writer apply the
// same ones; the api writes the items through its committer (EventKey, SettingsKey). Items: kind
// "fcevent", id = the event's id; kind "fcsettings", id "calendar".
package forecastcal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zones by IANA name, whatever the host has installed
	"unicode/utf8"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Limits.
const (
	// MaxWindows is the most windows one event has.
	MaxWindows = 50
	// MaxWindowLen is the longest window.
	MaxWindowLen = 92 * 24 * time.Hour
	// MaxNameLen is the longest event or holiday name, in characters.
	MaxNameLen = 200
	// MaxEvents is the most events (planned and past) a tenant keeps.
	MaxEvents = 2000
	// MaxEventHistory is the most past events one import takes (one transaction, all or nothing).
	MaxEventHistory = 90
	// MaxHolidays is the most holidays the settings list.
	MaxHolidays = 500
)

// Sources of an event.
const (
	// SourcePlanned: PUT /v1/forecast/events/{id}; every window ended after it was written.
	SourcePlanned = "planned"
	// SourceHistory: POST /v1/forecast/event-history; every window had ended when it was written.
	SourceHistory = "history"
)

// Store kinds and keys.
const (
	KindEvent    = "fcevent"
	KindSettings = "fcsettings"
)

// SettingsKey is the key of a tenant's calendar settings.
var SettingsKey = store.Key{Kind: KindSettings, ID: "calendar"}

// EventKey is the key of event id.
func EventKey(id string) store.Key { return store.Key{Kind: KindEvent, ID: id} }

// Types are the event types, in the order the docs list them.
var Types = []events.CalendarEventType{events.EventCampaign, events.EventProductLaunch, events.EventOutage, events.EventBillingDay, events.EventHoliday}

// Window is one period of an event: [Start, End).
type Window struct {
	Start time.Time `dynamodbav:"start" json:"start"`
	End   time.Time `dynamodbav:"end" json:"end"`
}

// Event is one of a tenant's calendar events. Queue "" is every queue.
type Event struct {
	ID        string    `dynamodbav:"id" json:"id"`
	Type      string    `dynamodbav:"type" json:"type"`
	Name      string    `dynamodbav:"name" json:"name"`
	Queue     string    `dynamodbav:"queue,omitempty" json:"queue,omitempty"`
	Windows   []Window  `dynamodbav:"windows" json:"windows"`
	Source    string    `dynamodbav:"source" json:"source"`
	CreatedAt time.Time `dynamodbav:"created_at" json:"created_at"`
	UpdatedAt time.Time `dynamodbav:"updated_at" json:"updated_at"`
}

// Holiday is a day the tenant's centre treats as a holiday, in its time zone.
type Holiday struct {
	Date string `dynamodbav:"date" json:"date"` // "2006-01-02"
	Name string `dynamodbav:"name" json:"name"`
}

// Settings are the tenant's calendar: its time zone (IANA name; "" is UTC) and holidays.
type Settings struct {
	TimeZone  string    `dynamodbav:"time_zone" json:"time_zone"`
	Holidays  []Holiday `dynamodbav:"holidays" json:"holidays"`
	UpdatedAt time.Time `dynamodbav:"updated_at" json:"updated_at,omitzero"`
}

type problems []jsonptr.FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, jsonptr.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Check reports every rule e breaks at now, as JSON pointers into its body: the id and type, the
// name, the queue (one knownQueue accepts; nil accepts any valid id), and the windows: 1 to
// MaxWindows, each ending after it starts and within MaxWindowLen, none overlapping another, and,
// by Source, every one ending after now (planned) or by now (history).
func (e Event) Check(now time.Time, knownQueue func(string) bool) []jsonptr.FieldError {
	return e.CheckReplacing(Event{}, now, knownQueue)
}

// CheckReplacing is Check of e as the new version of the planned event old (the zero Event when
// there is none): a window of e that old has too, with the same start and end, may have ended
// (a planned event stays editable once some of its windows have passed); new and changed windows
// must still end after now.
func (e Event) CheckReplacing(old Event, now time.Time, knownQueue func(string) bool) []jsonptr.FieldError {
	var p problems
	if !botconfig.ValidID(e.ID) {
		p.add("/id", "%s", botconfig.IDRule)
	}
	if !slices.Contains(Types, events.CalendarEventType(e.Type)) {
		p.add("/type", "must be one of campaign, product_launch, outage, billing_day, holiday")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(e.Name)); n == 0 || n > MaxNameLen {
		p.add("/name", "must be 1–%d characters", MaxNameLen)
	}
	if e.Queue != "" && (!botconfig.ValidID(e.Queue) || knownQueue != nil && !knownQueue(e.Queue)) {
		p.add("/queue", "is not a queue of the tenant (leave it out for every queue)")
	}
	switch {
	case len(e.Windows) == 0:
		p.add("/windows", "give at least one window")
	case len(e.Windows) > MaxWindows:
		p.add("/windows", "%d windows; at most %d", len(e.Windows), MaxWindows)
	default:
		var kept []Window
		if e.Source == SourcePlanned && old.Source == SourcePlanned {
			kept = old.Windows
		}
		checkWindows(&p, e.Windows, e.Source, now, kept)
	}
	return p
}

// checkWindows checks ws; a planned window equal to one of kept may have ended.
func checkWindows(p *problems, ws []Window, source string, now time.Time, kept []Window) {
	unchanged := func(w Window) bool {
		return slices.ContainsFunc(kept, func(k Window) bool { return k.Start.Equal(w.Start) && k.End.Equal(w.End) })
	}
	ok := make([]bool, len(ws))
	for i, w := range ws {
		ptr := jsonptr.Index("/windows", i)
		switch {
		case w.Start.IsZero():
			p.add(ptr+"/start", "is required (RFC 3339)")
		case w.End.IsZero():
			p.add(ptr+"/end", "is required (RFC 3339)")
		case w.Start.Year() < 2000 || w.End.Year() > 2100:
			p.add(ptr, "must lie within the years 2000–2100")
		case !w.End.After(w.Start):
			p.add(ptr+"/end", "must be after start")
		case w.End.Sub(w.Start) > MaxWindowLen:
			p.add(ptr+"/end", "the window is longer than %d days", int(MaxWindowLen.Hours()/24))
		case source == SourcePlanned && !w.End.After(now) && !unchanged(w):
			p.add(ptr+"/end", "is in the past; record past occurrences with POST /v1/forecast/event-history")
		case source == SourceHistory && w.End.After(now):
			p.add(ptr+"/end", "has not passed yet; plan future windows with PUT /v1/forecast/events/{id}")
		default:
			ok[i] = true
		}
	}
	order := make([]int, 0, len(ws))
	for i := range ws {
		if ok[i] {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return ws[a].Start.Compare(ws[b].Start) })
	// latest is the window, of those before, that ends last: every window starting before its end
	// overlaps it, however many windows lie between them in start order.
	latest := -1
	for _, cur := range order {
		if latest >= 0 && ws[cur].Start.Before(ws[latest].End) {
			p.add(jsonptr.Index("/windows", cur), "overlaps /windows/%d", latest)
		}
		if latest < 0 || ws[cur].End.After(ws[latest].End) {
			latest = cur
		}
	}
}

// Check reports every rule s breaks: the time zone must be an IANA name ("Asia/Shanghai") or
// empty (UTC); holidays at most MaxHolidays, each a date "2006-01-02" listed once, with a name.
func (s Settings) Check() []jsonptr.FieldError {
	var p problems
	if _, err := s.Location(); err != nil {
		p.add("/time_zone", "is not an IANA time zone name such as Asia/Shanghai")
	}
	if len(s.Holidays) > MaxHolidays {
		p.add("/holidays", "%d holidays; at most %d", len(s.Holidays), MaxHolidays)
		return p
	}
	seen := map[string]int{}
	for i, h := range s.Holidays {
		ptr := jsonptr.Index("/holidays", i)
		if _, err := time.Parse(time.DateOnly, h.Date); err != nil {
			p.add(ptr+"/date", "must be a date like 2025-10-01")
		} else if j, dup := seen[h.Date]; dup {
			p.add(ptr+"/date", "repeats /holidays/%d", j)
		} else {
			seen[h.Date] = i
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(h.Name)); n == 0 || n > MaxNameLen {
			p.add(ptr+"/name", "must be 1–%d characters", MaxNameLen)
		}
	}
	return p
}

// Location is the settings' time zone; UTC when none is set.
func (s Settings) Location() (*time.Location, error) {
	if s.TimeZone == "" {
		return time.UTC, nil
	}
	if s.TimeZone == "Local" || strings.HasPrefix(s.TimeZone, "/") || strings.Contains(s.TimeZone, "..") {
		return nil, fmt.Errorf("time zone %q: not an IANA name", s.TimeZone)
	}
	return time.LoadLocation(s.TimeZone)
}

// Cal reads a tenant's calendar.
type Cal struct {
	db *store.Store
}

// New returns a Cal over db.
func New(db *store.Store) *Cal { return &Cal{db: db} }

// Events returns every event of t in id order.
func (c *Cal) Events(ctx context.Context, t tenant.ID) ([]Event, error) {
	evs, _, err := store.QueryAll[Event](ctx, c.db, t, KindEvent, "", MaxEvents)
	if err != nil {
		return nil, err
	}
	return evs, nil
}

// Settings returns t's settings and their version; the defaults (UTC, no holidays) at version 0
// when none were written.
func (c *Cal) Settings(ctx context.Context, t tenant.ID) (Settings, int64, error) {
	var s Settings
	ver, err := c.db.Get(ctx, t, SettingsKey, &s)
	if errors.Is(err, store.ErrNotFound) {
		return Settings{TimeZone: "UTC", Holidays: []Holiday{}}, 0, nil
	}
	if err != nil {
		return Settings{}, 0, fmt.Errorf("read calendar settings of %s: %w", t, err)
	}
	if s.Holidays == nil {
		s.Holidays = []Holiday{}
	}
	return s, ver, nil
}

// Occurrences returns every window of t's events for queue — the queue's own events and those of
// every queue, planned and past — ordered by start. For intervals.AllQueues (every contact) it is
// every event.
func (c *Cal) Occurrences(ctx context.Context, t tenant.ID, queue string) ([]forecast.Occurrence, error) {
	evs, err := c.Events(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []forecast.Occurrence
	for _, e := range evs {
		if e.Queue != "" && e.Queue != queue && queue != intervals.AllQueues {
			continue
		}
		for _, w := range e.Windows {
			out = append(out, forecast.Occurrence{ID: e.ID, Type: e.Type, Name: e.Name, Start: w.Start, End: w.End})
		}
	}
	slices.SortStableFunc(out, func(a, b forecast.Occurrence) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Calendar is t's settings as the forecaster reads them.
func (c *Cal) Calendar(ctx context.Context, t tenant.ID) (forecast.Calendar, error) {
	s, _, err := c.Settings(ctx, t)
	if err != nil {
		return forecast.Calendar{}, err
	}
	loc, err := s.Location()
	if err != nil {
		return forecast.Calendar{}, fmt.Errorf("calendar of %s: %w", t, err)
	}
	cal := forecast.Calendar{Location: loc, Holidays: make(map[string]string, len(s.Holidays))}
	for _, h := range s.Holidays {
		cal.Holidays[h.Date] = h.Name
	}
	return cal, nil
}
