package forecastpub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/staffing"
)

// Staffing limits.
const (
	MaxStaffingStep = time.Hour          // staffing needs an intraday forecast
	MaxPlanSpan     = 7 * 24 * time.Hour // a shift plan covers at most a week
)

// ErrNotIntraday is returned for a forecast whose step is longer than MaxStaffingStep.
var ErrNotIntraday = errors.New("staffing needs an intraday forecast (scheduling or rolling)")

// Needed is the staffing of one interval.
type Needed struct {
	Start        time.Time `json:"start"`
	Calls        float64   `json:"calls"`
	Agents       int       `json:"agents"`    // on the phones
	Scheduled    int       `json:"scheduled"` // rostered: agents / (1 − shrinkage)
	ServiceLevel float64   `json:"service_level"`
	ASASeconds   float64   `json:"asa_s"`
	AbandonRate  float64   `json:"abandon_rate"`
	Occupancy    float64   `json:"occupancy"`
}

// ShiftOut is a block of identical shifts of a plan.
type ShiftOut struct {
	Template string    `json:"template"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Count    int       `json:"count"`
}

// PlanOut is a shift plan covering the scheduled agents.
type PlanOut struct {
	Shifts   []ShiftOut `json:"shifts"`
	Coverage []int      `json:"coverage"`
	Over     int        `json:"over"`
	Under    int        `json:"under"`
	Method   string     `json:"method"`
}

// Staffing is a forecast's staffing: the target used, agents per interval and the shift plan.
type Staffing struct {
	ForecastID   string    `json:"forecast_id"`
	Queue        string    `json:"queue"`
	Channel      string    `json:"channel"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Step         string    `json:"step"`
	AHTSeconds   int       `json:"aht_s"`
	ServiceLevel float64   `json:"service_level"`
	AnswerWithin int       `json:"answer_within_s"`
	ASASeconds   int       `json:"asa_s"`
	MaxOccupancy float64   `json:"max_occupancy"`
	Shrinkage    float64   `json:"shrinkage"`
	PatienceS    int       `json:"patience_s"`
	Model        string    `json:"model"` // erlang_c or erlang_a
	Intervals    []Needed  `json:"intervals"`
	Plan         PlanOut   `json:"plan"`
}

// Target is the staffing.Target of settings.
func Target(s forecaststore.Settings) staffing.Target {
	return staffing.Target{ServiceLevel: s.ServiceLevel, AnswerWithin: time.Duration(s.AnswerWithinS) * time.Second,
		ASA: time.Duration(s.ASASeconds) * time.Second, MaxOccupancy: s.MaxOccupancy, Shrinkage: s.Shrinkage,
		Patience: time.Duration(s.PatienceS) * time.Second}
}

// Templates converts the settings' shift templates.
func Templates(s forecaststore.Settings) []staffing.ShiftTemplate {
	out := make([]staffing.ShiftTemplate, 0, len(s.ShiftTemplates))
	for _, st := range s.ShiftTemplates {
		t := staffing.ShiftTemplate{Name: st.Name, Length: time.Duration(st.LengthM) * time.Minute, Earliest: st.Earliest,
			Latest: st.Latest, Every: time.Duration(st.EveryM) * time.Minute, Max: st.Max}
		for _, b := range st.Breaks {
			t.Breaks = append(t.Breaks, staffing.Break{After: time.Duration(b.AfterM) * time.Minute, Length: time.Duration(b.LengthM) * time.Minute})
		}
		for _, d := range st.Days {
			t.Days = append(t.Days, forecaststore.Weekdays[d])
		}
		out = append(out, t)
	}
	return out
}

// Staff works out forecast f's staffing over [from, to) (zero from: its start; zero to: its end),
// never more than MaxPlanSpan from from (a longer span is cut there) under settings s (its targets, already overridden by the caller): agents per
// interval by staffing.Required, then a shift plan of s's templates covering the scheduled agents.
func Staff(ctx context.Context, f forecaststore.Forecast, s forecaststore.Settings, from, to time.Time, loc *time.Location) (Staffing, error) {
	step := f.StepDuration()
	if f.Step == forecaststore.StepMonth || step <= 0 || step > MaxStaffingStep {
		return Staffing{}, ErrNotIntraday
	}
	if from.IsZero() || from.Before(f.Start) {
		from = f.Start
	}
	if to.IsZero() || to.After(from.Add(MaxPlanSpan)) {
		to = from.Add(MaxPlanSpan)
	}
	if to.After(f.End) {
		to = f.End
	}
	i0 := int(from.Sub(f.Start) / step)
	i1 := int((to.Sub(f.Start) + step - 1) / step)
	i1 = min(i1, len(f.Points))
	if i0 >= i1 {
		return Staffing{}, ErrSpan
	}
	aht := s.AHT(f.Queue)
	target := Target(s)
	out := Staffing{ForecastID: f.ID, Queue: f.Queue, Channel: f.Channel, Start: f.Start.Add(time.Duration(i0) * step),
		End: f.Start.Add(time.Duration(i1) * step), Step: f.Step, AHTSeconds: int(aht / time.Second),
		ServiceLevel: s.ServiceLevel, AnswerWithin: s.AnswerWithinS, ASASeconds: s.ASASeconds, MaxOccupancy: s.MaxOccupancy,
		Shrinkage: s.Shrinkage, PatienceS: s.PatienceS, Model: "erlang_c", Intervals: []Needed{}}
	if s.PatienceS > 0 {
		out.Model = "erlang_a"
	}
	req := staffing.Requirement{Start: out.Start, Step: step}
	for i := i0; i < i1; i++ {
		if err := ctx.Err(); err != nil {
			return Staffing{}, err
		}
		r, err := staffing.Required(staffing.Interval{Calls: f.Points[i], AHT: aht, Length: step}, target)
		if err != nil {
			return Staffing{}, fmt.Errorf("%w: interval %d (%v): %w", ErrStaffing, i, f.Start.Add(time.Duration(i)*step), err)
		}
		out.Intervals = append(out.Intervals, Needed{Start: f.Start.Add(time.Duration(i) * step), Calls: f.Points[i],
			Agents: r.Agents, Scheduled: r.Scheduled, ServiceLevel: round4(r.ServiceLevel), ASASeconds: round2(r.ASA.Seconds()),
			AbandonRate: round4(r.AbandonRate), Occupancy: round4(r.Occupancy)})
		req.Agents = append(req.Agents, r.Scheduled)
	}
	plan, err := staffing.PlanShifts(ctx, req, Templates(s), loc)
	if errors.Is(err, staffing.ErrInvalid) {
		return Staffing{}, fmt.Errorf("%w: shift plan: %w", ErrStaffing, err)
	}
	if err != nil {
		return Staffing{}, fmt.Errorf("shift plan of forecast %s: %w", f.ID, err)
	}
	out.Plan = PlanOut{Shifts: []ShiftOut{}, Coverage: plan.Coverage, Over: plan.Over, Under: plan.Under, Method: plan.Method}
	if out.Plan.Coverage == nil {
		out.Plan.Coverage = []int{}
	}
	for _, sh := range plan.Shifts {
		out.Plan.Shifts = append(out.Plan.Shifts, ShiftOut{Template: sh.Template, Start: sh.Start, End: sh.End, Count: sh.Count})
	}
	return out, nil
}

// ErrStaffing wraps what the staffing package refuses for this forecast and these settings (a
// load too high, a target no agent count meets, a plan too big): the caller's input, not a fault.
var ErrStaffing = errors.New("staffing refused")

// ErrSpan is returned when the span asked for holds no interval of the forecast.
var ErrSpan = errors.New("the span asked for holds no interval of the forecast")

func round4(v float64) float64 { return round2(v*100) / 100 }
