package forecaststore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/httpapi/jsonptr"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// SettingsKey is the key of the tenant's staffing settings.
var SettingsKey = store.Key{Kind: KindSettings, ID: "settings"}

// Settings are a tenant's staffing targets, its shift templates and its rolling product's shape.
// Durations are whole seconds or minutes as the names say.
type Settings struct {
	AHTSeconds     int             `dynamodbav:"aht_s" json:"aht_s" jsonschema:"minimum=1,maximum=86400"`
	QueueAHT       map[string]int  `dynamodbav:"queue_aht_s" json:"queue_aht_s,omitempty"` // per queue, overrides aht_s
	ServiceLevel   float64         `dynamodbav:"service_level" json:"service_level" jsonschema:"minimum=0,maximum=1"`
	AnswerWithinS  int             `dynamodbav:"answer_within_s" json:"answer_within_s" jsonschema:"minimum=0,maximum=3600"`
	ASASeconds     int             `dynamodbav:"asa_s" json:"asa_s" jsonschema:"minimum=0,maximum=3600"`
	MaxOccupancy   float64         `dynamodbav:"max_occupancy" json:"max_occupancy" jsonschema:"minimum=0,maximum=1"`
	Shrinkage      float64         `dynamodbav:"shrinkage" json:"shrinkage" jsonschema:"minimum=0,maximum=0.95"`
	PatienceS      int             `dynamodbav:"patience_s" json:"patience_s" jsonschema:"minimum=0,maximum=86400"`
	RollingHours   int             `dynamodbav:"rolling_hours" json:"rolling_hours" jsonschema:"minimum=1,maximum=12"`
	RollingStepM   int             `dynamodbav:"rolling_step_m" json:"rolling_step_m" jsonschema:"enum=5,enum=10,enum=15,enum=30"`
	ShiftTemplates []ShiftTemplate `dynamodbav:"shift_templates" json:"shift_templates" jsonschema:"maxItems=50"`
	UpdatedAt      time.Time       `dynamodbav:"updated_at" json:"updated_at,omitzero"`
}

// ShiftTemplate is a kind of shift agents can work (staffing.ShiftTemplate in API form).
type ShiftTemplate struct {
	Name     string   `dynamodbav:"name" json:"name"`
	LengthM  int      `dynamodbav:"length_m" json:"length_m" jsonschema:"minimum=30,maximum=960"`
	Earliest string   `dynamodbav:"earliest" json:"earliest"` // "HH:MM", the tenant's zone
	Latest   string   `dynamodbav:"latest" json:"latest"`
	EveryM   int      `dynamodbav:"every_m" json:"every_m" jsonschema:"minimum=5,maximum=720"`
	Breaks   []Break  `dynamodbav:"breaks" json:"breaks"`
	Days     []string `dynamodbav:"days" json:"days"` // mon … sun; empty: every day
	Max      int      `dynamodbav:"max" json:"max" jsonschema:"minimum=0,maximum=100000"`
}

// Break is a break within a shift: after AfterM minutes from its start, LengthM long.
type Break struct {
	AfterM  int `dynamodbav:"after_m" json:"after_m" jsonschema:"minimum=0,maximum=960"`
	LengthM int `dynamodbav:"length_m" json:"length_m" jsonschema:"minimum=5,maximum=240"`
}

// DefaultSettings are a tenant's settings until it writes its own: 5-minute handle time, 80% in
// 20 s, occupancy at most 85%, 30% shrinkage, Erlang C (no patience), the rolling product 12 hours
// at 15 minutes, and one 8-hour day shift template.
func DefaultSettings() Settings {
	return Settings{AHTSeconds: 300, ServiceLevel: 0.8, AnswerWithinS: 20, MaxOccupancy: 0.85, Shrinkage: 0.3,
		RollingHours: 12, RollingStepM: 15,
		ShiftTemplates: []ShiftTemplate{{Name: "day", LengthM: 480, Earliest: "07:00", Latest: "13:00", EveryM: 30,
			Breaks: []Break{{AfterM: 240, LengthM: 30}}, Days: []string{}}}}
}

// Weekdays maps the API's day names to time.Weekday.
var Weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

var clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// ClockMinutes reads "HH:MM" as minutes after midnight; -1 when it is not one.
func ClockMinutes(s string) int {
	if !clockRE.MatchString(s) {
		return -1
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	return h*60 + m
}

// Check lists what is wrong with s, as JSON pointers.
func (s Settings) Check() []httpapi.FieldError {
	var fe []httpapi.FieldError
	bad := func(f, reason string) { fe = append(fe, httpapi.FieldError{Field: f, Reason: reason}) }
	if s.AHTSeconds < 1 || s.AHTSeconds > 86400 {
		bad("/aht_s", "must be 1-86400 seconds")
	}
	for q, v := range s.QueueAHT {
		if !ValidQueue(q) || v < 1 || v > 86400 {
			bad("/queue_aht_s/"+jsonptr.Token(q), "must name a queue and be 1-86400 seconds")
		}
	}
	switch {
	case s.ASASeconds < 0 || s.ASASeconds > 3600:
		bad("/asa_s", "must be 0-3600 seconds")
	case s.ASASeconds == 0 && (s.ServiceLevel <= 0 || s.ServiceLevel >= 1):
		bad("/service_level", "must be above 0 and below 1 (0.8 is 80%) unless asa_s is the target")
	case s.ASASeconds > 0 && s.ServiceLevel != 0:
		bad("/service_level", "must be 0 when asa_s is the target")
	}
	if s.ASASeconds == 0 && (s.AnswerWithinS < 1 || s.AnswerWithinS > 3600) {
		bad("/answer_within_s", "must be 1-3600 seconds with a service-level target")
	}
	if s.MaxOccupancy != 0 && (s.MaxOccupancy < 0.1 || s.MaxOccupancy > 1) {
		bad("/max_occupancy", "must be 0 (no cap) or from 0.1 to 1")
	}
	if s.Shrinkage < 0 || s.Shrinkage > 0.95 {
		bad("/shrinkage", "must be 0-0.95")
	}
	if s.PatienceS < 0 || s.PatienceS > 86400 {
		bad("/patience_s", "must be 0 (Erlang C) to 86400 seconds")
	}
	if s.RollingHours < 1 || s.RollingHours > 12 {
		bad("/rolling_hours", "must be 1-12")
	}
	if s.RollingStepM != 5 && s.RollingStepM != 10 && s.RollingStepM != 15 && s.RollingStepM != 30 {
		bad("/rolling_step_m", "must be 5, 10, 15 or 30")
	}
	if len(s.ShiftTemplates) > 50 {
		bad("/shift_templates", "at most 50")
	}
	names := map[string]bool{}
	for i, st := range s.ShiftTemplates {
		p := fmt.Sprintf("/shift_templates/%d", i)
		if st.Name == "" || len(st.Name) > 64 || names[st.Name] {
			bad(p+"/name", "must be 1-64 characters, unique")
		}
		names[st.Name] = true
		if st.LengthM < 30 || st.LengthM > 960 {
			bad(p+"/length_m", "must be 30-960 minutes")
		}
		e, l := ClockMinutes(st.Earliest), ClockMinutes(st.Latest)
		if e < 0 {
			bad(p+"/earliest", "must be HH:MM")
		}
		if l < 0 || l < e {
			bad(p+"/latest", "must be HH:MM, not before earliest")
		}
		if st.EveryM < 5 || st.EveryM > 720 || st.EveryM%5 != 0 {
			bad(p+"/every_m", "must be a multiple of 5 from 5 to 720 minutes")
		}
		for j, b := range st.Breaks {
			if b.AfterM < 0 || b.LengthM < 5 || b.LengthM > 240 || b.AfterM+b.LengthM > st.LengthM {
				bad(fmt.Sprintf("%s/breaks/%d", p, j), "must lie within the shift and be 5-240 minutes")
			}
		}
		for j, d := range st.Days {
			if _, ok := Weekdays[d]; !ok {
				bad(fmt.Sprintf("%s/days/%d", p, j), "must be one of mon, tue, wed, thu, fri, sat, sun")
			}
		}
		if st.Max < 0 {
			bad(p+"/max", "must be 0 (no limit) or more")
		}
	}
	return fe
}

// AHT is the handle time of a queue's contacts.
func (s Settings) AHT(queue string) time.Duration {
	if v, ok := s.QueueAHT[queue]; ok {
		return time.Duration(v) * time.Second
	}
	return time.Duration(s.AHTSeconds) * time.Second
}

// Settings reads t's staffing settings and their version; the defaults at version 0 when it has
// written none.
func (s *Store) Settings(ctx context.Context, t tenant.ID) (Settings, int64, error) {
	var out Settings
	v, err := s.db.Get(ctx, t, SettingsKey, &out)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultSettings(), 0, nil
	}
	if err != nil {
		return Settings{}, 0, fmt.Errorf("read the staffing settings of %s: %w", t, err)
	}
	if out.ShiftTemplates == nil {
		out.ShiftTemplates = []ShiftTemplate{}
	}
	return out, v, nil
}
