package vocreport

import (
	"context"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Source is what the report reads from the other parts of experience operations. Each method
// answers for tenant t and week w ([w.From, w.To) in w.Location); days are w's local dates. A part
// that has nothing for the week answers the zero value (no error): the report says "no data".
type Source interface {
	// Satisfaction: survey answers given in the week, overall and by queue and by intent.
	Satisfaction(ctx context.Context, t tenant.ID, w Week) (Satisfaction, error)
	// Sentiment: per local day, the customer messages scored and how many were negative.
	Sentiment(ctx context.Context, t tenant.ID, w Week) ([]DayShare, error)
	// Topics: every topic and intent counted in w with its count in the week before
	// (Count and Previous); the report ranks them.
	Topics(ctx context.Context, t tenant.ID, w Week) ([]TopicCount, error)
	// Alerts: the spike alerts whose onset is in w.
	Alerts(ctx context.Context, t tenant.ID, w Week) ([]Alert, error)
	// QA: quality scores of contacts inspected in w, overall and per agent.
	QA(ctx context.Context, t tenant.ID, w Week) (QA, error)
	// BusinessEvents: per local day, the business.event events the tenant sent (nil when it
	// sends none). They stand in for transactions on days with no imported count.
	BusinessEvents(ctx context.Context, t tenant.ID, w Week) ([]DayCount, error)
}

// Score is a satisfaction figure: CSAT answers (1–5) and NPS answers (0–10).
type Score struct {
	CSATCount   int     `json:"csat_count"`
	CSATMean    float64 `json:"csat_mean"`    // mean of the 1–5 answers
	CSATPercent float64 `json:"csat_percent"` // share of answers 4 or 5, percent
	NPSCount    int     `json:"nps_count"`
	NPS         float64 `json:"nps"` // percent promoters (9–10) − percent detractors (0–6)
}

// Group is a Score of one queue or intent.
type Group struct {
	Key   string `json:"key"`  // the queue or intent id
	Name  string `json:"name"` // its display name ("" shows the key)
	Score Score  `json:"score"`
}

// Satisfaction is the week's survey figures.
type Satisfaction struct {
	Overall  Score   `json:"overall"`
	ByQueue  []Group `json:"by_queue"`
	ByIntent []Group `json:"by_intent"`
}

// DayShare is one local day's negative-sentiment count among the customer messages scored.
type DayShare struct {
	Date     string `json:"date"` // 2006-01-02
	Negative int    `json:"negative"`
	Total    int    `json:"total"`
}

// TopicCount is one topic's (or intent's) contacts in the week and the week before.
type TopicCount struct {
	Key      string `json:"key"` // "topic:<id>" or "intent:<name>"
	Name     string `json:"name"`
	Count    int    `json:"count"`
	Previous int    `json:"previous"`
}

// Alert is one spike alert.
type Alert struct {
	Topic      string     `json:"topic"` // the alert's name
	Kind       string     `json:"kind"`  // topic, intent, queue or negative
	Onset      time.Time  `json:"onset"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"` // nil: still open
}

// AgentScore is one agent's QA mean.
type AgentScore struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Mean  float64 `json:"mean"`
	Count int     `json:"count"`
}

// QA is the week's quality-inspection scores (0–100).
type QA struct {
	Count  int          `json:"count"`
	Mean   float64      `json:"mean"`
	Agents []AgentScore `json:"agents"`
}

// DayCount is one local day's count.
type DayCount struct {
	Date  string `json:"date"` // 2006-01-02
	Count int64  `json:"count"`
}

// Contacts reads the interval counters (shared/intervals); *intervals.Counters is one. The report
// reads the AllQueues series' Offered counter of each channel: every contact, bot ones included.
type Contacts interface {
	Series(ctx context.Context, t tenant.ID, queue string, ch events.Channel, counter string, from, to time.Time, step time.Duration) (forecast.Series, error)
}

// Calendars gives a tenant's time zone; *forecastcal.Cal is one.
type Calendars interface {
	Calendar(ctx context.Context, t tenant.ID) (forecast.Calendar, error)
}
