package events

import "time"

// ForecastProduct is which of the published forecasts an event is about: each has its horizon and
// step (docs/forecasting.md).
type ForecastProduct string

// Forecast products.
const (
	// ForecastDaily: daily volumes for the next month.
	ForecastDaily ForecastProduct = "daily"
	// ForecastMonthly: monthly volumes for the next 12 months (the budget).
	ForecastMonthly ForecastProduct = "monthly"
	// ForecastHiring: months 2–3 ahead, for hiring.
	ForecastHiring ForecastProduct = "hiring"
	// ForecastScheduling: 30-minute volumes for the next month, for shift plans.
	ForecastScheduling ForecastProduct = "scheduling"
	// ForecastRolling: the next hours at 5 to 30 minutes, refreshed from live counts, for dispatch.
	ForecastRolling ForecastProduct = "rolling"
)

// CalendarEventType is the kind of a tenant's calendar event; the forecaster learns each type's
// uplift from its past occurrences.
type CalendarEventType string

// Calendar event types.
const (
	// EventCampaign: a marketing campaign.
	EventCampaign CalendarEventType = "campaign"
	// EventProductLaunch: a new product or feature.
	EventProductLaunch CalendarEventType = "product_launch"
	// EventOutage: a service outage (customers call about it).
	EventOutage CalendarEventType = "outage"
	// EventBillingDay: invoices or statements go out.
	EventBillingDay CalendarEventType = "billing_day"
	// EventHoliday: a holiday or a day the tenant marks as one.
	EventHoliday CalendarEventType = "holiday"
)

// ForecastPublished (forecast.published) records that a forecast was published for a queue and
// channel. The envelope's subject is the forecast id; GET /v1/forecasts/{id} has its points,
// bands and metrics.
type ForecastPublished struct {
	// ForecastID is the published forecast's id.
	ForecastID string `json:"forecast_id" jsonschema:"minLength=1,maxLength=128"`
	// Queue is the queue forecast, or "_all" for every contact of the channel (bot ones included).
	Queue string `json:"queue" jsonschema:"minLength=1,maxLength=128"`
	// Channel is the medium forecast.
	Channel Channel `json:"channel"`
	// Product is which forecast this is.
	Product ForecastProduct `json:"product"`
	// Start is the start of the first interval forecast.
	Start time.Time `json:"start"`
	// End is the end of the last interval (exclusive).
	End time.Time `json:"end"`
	// Step is the interval length: minutes ("5m", "30m"), hours ("1h"), days ("1d") or months
	// ("1mo").
	Step string `json:"step" jsonschema:"maxLength=6,pattern=^[1-9][0-9]*(m|h|d|mo)$"`
	// Total is the forecast volume summed over [Start, End).
	Total float64 `json:"total" jsonschema:"minimum=0"`
	// Model is the model that made it ("ensemble", "ets", ...).
	Model string `json:"model" jsonschema:"minLength=1,maxLength=64"`
	// Events are the tenant's calendar events the forecast includes, with what each adds.
	Events []ForecastEvent `json:"events"`
}

// ForecastEvent is one calendar event included in a published forecast.
type ForecastEvent struct {
	// ID is the event's id (PUT /v1/forecast/events/{id}).
	ID string `json:"id" jsonschema:"minLength=1,maxLength=128"`
	// Type is the event's type.
	Type CalendarEventType `json:"type"`
	// Name is the event's name.
	Name string `json:"name" jsonschema:"maxLength=200"`
	// Added is the volume the event adds over the forecast's horizon (negative when it lowers it).
	Added float64 `json:"added"`
}
