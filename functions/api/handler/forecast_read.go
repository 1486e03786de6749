package handler

// forecast_read.go: the published forecasts (shared/forecaststore, docs/forecasting.md) and the
// staffing they need (shared/forecastpub, docs/staffing.md). Admins and supervisors read; admins
// publish on demand and write the staffing settings.
//
//	GET  /v1/forecasts                 list (queue, channel, product, from, to), newest first
//	GET  /v1/forecasts/{id}            one, with points, bands, events, metrics and review
//	POST /v1/forecasts/publish         publish now (one queue or all; synchronous, bounded)
//	GET  /v1/forecast/accuracy         a queue's accuracy history
//	GET  /v1/staffing                  agents per interval and a shift plan for a forecast
//	GET  /v1/staffing/settings         targets, AHT, shrinkage, occupancy cap, patience, shift templates
//	PUT  /v1/staffing/settings

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/forecast"
	"github.com/lingxi/lingxi/shared/forecastpub"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// PublishTimeout bounds POST /v1/forecasts/publish (under the HTTP API's 30-second limit).
const PublishTimeout = 25 * time.Second

// ForecastPublisher publishes a tenant's forecasts now; *forecastpub.Publisher is one.
type ForecastPublisher interface {
	Publish(ctx context.Context, t tenant.ID, req forecastpub.Request) (forecastpub.Result, error)
	Today(ctx context.Context, t tenant.ID) ([]forecastpub.Point, error)
	Store() *forecaststore.Store
}

// ForecastCalendars reads a tenant's calendar (its time zone); *forecastcal.Cal is one.
type ForecastCalendars interface {
	Calendar(ctx context.Context, t tenant.ID) (forecast.Calendar, error)
}

// forecastDeps are the forecast routes' dependencies (WithForecasts).
type forecastDeps struct {
	pub ForecastPublisher
	cal ForecastCalendars
}

// WithForecasts serves the forecast and staffing routes from pub (its store, and publishing on
// demand) and cal (the tenant's time zone for shift plans). Without it they answer 503.
func WithForecasts(pub ForecastPublisher, cal ForecastCalendars) Option {
	return func(api *API) { api.fc = forecastDeps{pub: pub, cal: cal} }
}

func (api *API) forecastRoutes() {
	api.router.Handle("GET /v1/forecasts", api.tenantKey(auth.RoleSupervisor, api.listForecasts))
	api.router.Handle("GET /v1/forecasts/{id}", api.tenantKey(auth.RoleSupervisor, api.getForecast))
	api.router.Handle("POST /v1/forecasts/publish", api.tenantKey(auth.RoleAdmin, api.publishForecasts))
	api.router.Handle("GET /v1/forecast/accuracy", api.tenantKey(auth.RoleSupervisor, api.forecastAccuracy))
	api.router.Handle("GET /v1/staffing", api.tenantKey(auth.RoleSupervisor, api.getStaffing))
	api.router.Handle("GET /v1/staffing/settings", api.tenantKey(auth.RoleSupervisor, api.getStaffingSettings))
	api.router.Handle("PUT /v1/staffing/settings", api.tenantKey(auth.RoleAdmin, api.putStaffingSettings))
}

func (api *API) forecastStore() (*forecaststore.Store, error) {
	if api.fc.pub == nil {
		return nil, httpapi.Errorf(httpapi.KindUnavailable, "forecasting is not configured")
	}
	return api.fc.pub.Store(), nil
}

var channelRE = regexp.MustCompile(`^(chat|voice)$`)

// forecastFilter is the listing's query.
type forecastFilter struct {
	queue, channel string
	product        forecaststore.Product
	from, to       time.Time
}

func (f forecastFilter) keep(fc forecaststore.Summary) bool {
	return (f.queue == "" || fc.Queue == f.queue) && (f.channel == "" || fc.Channel == f.channel) &&
		(f.product == "" || fc.Product == f.product) &&
		(f.from.IsZero() || fc.End.After(f.from)) && (f.to.IsZero() || fc.Start.Before(f.to))
}

// queryTime reads an RFC 3339 time or a date (midnight UTC) from the query.
func queryTime(r *httpapi.Request, name string) (time.Time, []httpapi.FieldError) {
	s := r.QueryStringParameters[name]
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, []httpapi.FieldError{{Field: name, Reason: "must be an RFC 3339 time or a date (2006-01-02)"}}
}

func parseForecastFilter(r *httpapi.Request) (forecastFilter, error) {
	q := r.QueryStringParameters
	f := forecastFilter{queue: q["queue"], channel: q["channel"], product: forecaststore.Product(q["product"])}
	var fe []httpapi.FieldError
	if f.queue != "" && !forecaststore.ValidQueue(f.queue) {
		fe = append(fe, httpapi.FieldError{Field: "queue", Reason: "must be a queue id or _all"})
	}
	if f.channel != "" && !channelRE.MatchString(f.channel) {
		fe = append(fe, httpapi.FieldError{Field: "channel", Reason: "must be chat or voice"})
	}
	if f.product != "" && !f.product.Valid() {
		fe = append(fe, httpapi.FieldError{Field: "product", Reason: "must be daily, monthly, hiring, scheduling or rolling"})
	}
	var e1, e2 []httpapi.FieldError
	f.from, e1 = queryTime(r, "from")
	f.to, e2 = queryTime(r, "to")
	fe = append(append(fe, e1...), e2...)
	if !f.from.IsZero() && !f.to.IsZero() && !f.to.After(f.from) {
		fe = append(fe, httpapi.FieldError{Field: "to", Reason: "must be after from"})
	}
	if len(fe) > 0 {
		return f, httpapi.Invalid(fe...)
	}
	return f, nil
}

// listForecasts lists summaries (no points) from the products' index (small summaries keyed
// product|queue|channel|id, never the forecasts with their points): newest first within each
// product, queue and channel (with a product, its index from that product's prefix; without, every
// product's index one after the other), filtered; paginated like the other listings (a page may
// hold fewer items than limit while next_cursor is set).
func (api *API) listForecasts(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := api.forecastStore(); err != nil {
		return httpapi.Response{}, err
	}
	filter, err := parseForecastFilter(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	pr, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	pr.Descending = true
	limit := pr.Limit
	prefix := ""
	if filter.product != "" {
		prefix = forecaststore.IndexPrefix(filter.product, filter.queue, filter.channel)
	}
	items := []forecaststore.Summary{}
	for q := 0; q < maxFilterQueries; q++ {
		pr.Limit = limit - int32(len(items))
		res, err := api.store.Query(ctx, p.Tenant, forecaststore.KindIndex, prefix, pr)
		if errors.Is(err, store.ErrInvalidCursor) {
			return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
		}
		if err != nil {
			return httpapi.Response{}, fmt.Errorf("list forecasts of %s: %w", p.Tenant, err)
		}
		for _, rec := range res.Items {
			var sum forecaststore.Summary
			if err := rec.Decode(&sum); err != nil {
				return httpapi.Response{}, err
			}
			if filter.keep(sum) {
				items = append(items, sum)
			}
		}
		pr.Cursor = res.Next
		if res.Next == "" || int32(len(items)) >= limit {
			break
		}
	}
	return httpapi.JSON(http.StatusOK, page[forecaststore.Summary]{Items: items, NextCursor: pr.Cursor}), nil
}

func (api *API) getForecast(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	fs, err := api.forecastStore()
	if err != nil {
		return httpapi.Response{}, err
	}
	f, err := loadForecast(ctx, fs, p.Tenant, r.Params["id"])
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, f), nil
}

// loadForecast reads forecast id; an invalid id or one not stored is a 404.
func loadForecast(ctx context.Context, fs *forecaststore.Store, t tenant.ID, id string) (forecaststore.Forecast, error) {
	if !forecaststore.ValidID(id) {
		return forecaststore.Forecast{}, httpapi.Errorf(httpapi.KindNotFound, "no forecast %q", id)
	}
	f, _, err := fs.Get(ctx, t, id)
	if errors.Is(err, store.ErrNotFound) {
		return forecaststore.Forecast{}, httpapi.Errorf(httpapi.KindNotFound, "no forecast %q", id)
	}
	return f, err
}

// publishBody is the body of POST /v1/forecasts/publish.
type publishBody struct {
	Queue    string                  `json:"queue,omitempty" jsonschema:"maxLength=128"`
	Products []forecaststore.Product `json:"products,omitempty" jsonschema:"maxItems=5"`
}

// publishOut is what POST /v1/forecasts/publish answers.
type publishOut struct {
	Items  []forecaststore.Summary   `json:"items"`
	Failed []forecastpub.SeriesError `json:"failed"`
}

func (api *API) publishForecasts(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := api.forecastStore(); err != nil {
		return httpapi.Response{}, err
	}
	var body publishBody
	if err := r.DecodeOptionalJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fe []httpapi.FieldError
	if body.Queue != "" && !forecaststore.ValidQueue(body.Queue) {
		fe = append(fe, httpapi.FieldError{Field: "/queue", Reason: "must be a queue id or _all"})
	}
	for i, pr := range body.Products {
		if !pr.Valid() {
			fe = append(fe, httpapi.FieldError{Field: fmt.Sprintf("/products/%d", i), Reason: "must be daily, monthly, hiring, scheduling or rolling"})
		}
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
	defer cancel()
	res, err := api.fc.pub.Publish(ctx, p.Tenant, forecastpub.Request{Queue: body.Queue, Products: body.Products, Force: true})
	if errors.Is(err, forecastpub.ErrNoSeries) {
		what := "the tenant has"
		if body.Queue != "" {
			what = fmt.Sprintf("queue %q has", body.Queue)
		}
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "%s no counted or imported volumes to forecast yet (POST /v1/forecast/history)", what)
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	out := publishOut{Items: []forecaststore.Summary{}, Failed: []forecastpub.SeriesError{}}
	for _, f := range res.Published {
		out.Items = append(out.Items, f.Summary())
	}
	for _, f := range res.Failed {
		api.log.WarnContext(ctx, "forecast: publish failed", "tenant", p.Tenant.String(), "queue", f.Queue, "channel", f.Channel, "product", f.Product, "err", f.Err)
		out.Failed = append(out.Failed, f)
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

func (api *API) forecastAccuracy(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	fs, err := api.forecastStore()
	if err != nil {
		return httpapi.Response{}, err
	}
	queue := r.QueryStringParameters["queue"]
	if !forecaststore.ValidQueue(queue) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "queue", Reason: "is required: a queue id or _all"})
	}
	pr, err := pageRequest(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := fs.Accuracy(ctx, p.Tenant, queue, pr)
	if errors.Is(err, store.ErrInvalidCursor) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "cursor", Reason: "is not a cursor from this listing"})
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, page[forecaststore.Accuracy]{Items: res.Items, NextCursor: res.Next}), nil
}

// ---- staffing ---------------------------------------------------------------------------------

var slRE = regexp.MustCompile(`^([0-9]{1,2}(?:\.[0-9]+)?)/([0-9]{1,4})$`)

// staffingOverrides applies the query's targets to s: sl=80/20 (80% in 20 s) or asa=30, aht,
// shrinkage, max_occupancy (fractions or percents), patience (seconds; 0 is Erlang C).
func staffingOverrides(r *httpapi.Request, s forecaststore.Settings) (forecaststore.Settings, error) {
	q := r.QueryStringParameters
	var fe []httpapi.FieldError
	seconds := func(name string, max int, set func(int)) {
		if v := q[name]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > max {
				fe = append(fe, httpapi.FieldError{Field: name, Reason: fmt.Sprintf("must be whole seconds from 0 to %d", max)})
				return
			}
			set(n)
		}
	}
	fraction := func(name string, max float64, set func(float64)) {
		if v := q[name]; v != "" {
			f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
			if err == nil && (f > 1 || strings.HasSuffix(v, "%")) {
				f /= 100
			}
			if err != nil || f < 0 || f > max {
				fe = append(fe, httpapi.FieldError{Field: name, Reason: fmt.Sprintf("must be a fraction (0.3) or percent (30) from 0 to %v", max)})
				return
			}
			set(f)
		}
	}
	if v := q["sl"]; v != "" {
		m := slRE.FindStringSubmatch(v)
		if m == nil || q["asa"] != "" {
			fe = append(fe, httpapi.FieldError{Field: "sl", Reason: "must be percent/seconds such as 80/20, without asa"})
		} else {
			pct, _ := strconv.ParseFloat(m[1], 64)
			secs, _ := strconv.Atoi(m[2])
			if pct <= 0 || secs < 1 {
				fe = append(fe, httpapi.FieldError{Field: "sl", Reason: "must be above 0% within at least 1 s"})
			}
			s.ServiceLevel, s.AnswerWithinS, s.ASASeconds = pct/100, secs, 0
		}
	}
	seconds("asa", 3600, func(n int) {
		if n < 1 {
			fe = append(fe, httpapi.FieldError{Field: "asa", Reason: "must be at least 1 second"})
		}
		s.ASASeconds, s.ServiceLevel, s.AnswerWithinS = n, 0, 0
	})
	seconds("aht", 86400, func(n int) {
		if n < 1 {
			fe = append(fe, httpapi.FieldError{Field: "aht", Reason: "must be at least 1 second"})
		}
		s.AHTSeconds, s.QueueAHT = n, nil
	})
	seconds("patience", 86400, func(n int) { s.PatienceS = n })
	fraction("shrinkage", 0.95, func(f float64) { s.Shrinkage = f })
	fraction("max_occupancy", 1, func(f float64) { s.MaxOccupancy = f })
	if len(fe) > 0 {
		return s, httpapi.Invalid(fe...)
	}
	return s, nil
}

func (api *API) getStaffing(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	fs, err := api.forecastStore()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.QueryStringParameters["forecast"]
	if id == "" {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "forecast", Reason: "is required: a forecast id (GET /v1/forecasts?product=scheduling)"})
	}
	settings, _, err := fs.Settings(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	settings, err = staffingOverrides(r, settings)
	if err != nil {
		return httpapi.Response{}, err
	}
	from, e1 := queryTime(r, "from")
	to, e2 := queryTime(r, "to")
	if fe := append(e1, e2...); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if !from.IsZero() && !to.IsZero() && (!to.After(from) || to.Sub(from) > forecastpub.MaxPlanSpan) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "to", Reason: "must be after from, at most 7 days later"})
	}
	if fe := settings.Check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	f, err := loadForecast(ctx, fs, p.Tenant, id)
	if err != nil {
		return httpapi.Response{}, err
	}
	loc := time.UTC
	if api.fc.cal != nil {
		cal, err := api.fc.cal.Calendar(ctx, p.Tenant)
		if err != nil {
			return httpapi.Response{}, err
		}
		if cal.Location != nil {
			loc = cal.Location
		}
	}
	out, err := forecastpub.Staff(ctx, f, settings, from, to, loc)
	switch {
	case errors.Is(err, forecastpub.ErrNotIntraday):
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "forecast", Reason: fmt.Sprintf("is a %s forecast: staffing needs an intraday one (scheduling or rolling)", f.Product)})
	case errors.Is(err, forecastpub.ErrStaffing):
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "forecast", Reason: "cannot be staffed with these targets: " + strings.TrimPrefix(err.Error(), forecastpub.ErrStaffing.Error()+": ")})
	case errors.Is(err, forecastpub.ErrSpan):
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "from", Reason: "the span holds no interval of the forecast"})
	case err != nil:
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

// staffingSettingsOut is the settings as the API shows them.
type staffingSettingsOut struct {
	forecaststore.Settings
	Version int64 `json:"version"`
}

func (api *API) getStaffingSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	fs, err := api.forecastStore()
	if err != nil {
		return httpapi.Response{}, err
	}
	s, v, err := fs.Settings(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: staffingSettingsOut{Settings: s, Version: v}, Headers: etag(v)}, nil
}

// staffingSettingsBody is the body of PUT /v1/staffing/settings: the whole settings.
type staffingSettingsBody struct {
	AHTSeconds     int                           `json:"aht_s"`
	QueueAHT       map[string]int                `json:"queue_aht_s,omitempty"`
	ServiceLevel   float64                       `json:"service_level"`
	AnswerWithinS  int                           `json:"answer_within_s"`
	ASASeconds     int                           `json:"asa_s"`
	MaxOccupancy   float64                       `json:"max_occupancy"`
	Shrinkage      float64                       `json:"shrinkage"`
	PatienceS      int                           `json:"patience_s"`
	RollingHours   int                           `json:"rolling_hours"`
	RollingStepM   int                           `json:"rolling_step_m"`
	ShiftTemplates []forecaststore.ShiftTemplate `json:"shift_templates"`
}

func (api *API) putStaffingSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := api.forecastStore(); err != nil {
		return httpapi.Response{}, err
	}
	var b staffingSettingsBody
	if err := r.DecodeJSON(&b); err != nil {
		return httpapi.Response{}, err
	}
	s := forecaststore.Settings{AHTSeconds: b.AHTSeconds, QueueAHT: b.QueueAHT, ServiceLevel: b.ServiceLevel, AnswerWithinS: b.AnswerWithinS,
		ASASeconds: b.ASASeconds, MaxOccupancy: b.MaxOccupancy, Shrinkage: b.Shrinkage, PatienceS: b.PatienceS,
		RollingHours: b.RollingHours, RollingStepM: b.RollingStepM, ShiftTemplates: b.ShiftTemplates}
	if s.ShiftTemplates == nil {
		s.ShiftTemplates = []forecaststore.ShiftTemplate{}
	}
	for i := range s.ShiftTemplates {
		if s.ShiftTemplates[i].Breaks == nil {
			s.ShiftTemplates[i].Breaks = []forecaststore.Break{}
		}
		if s.ShiftTemplates[i].Days == nil {
			s.ShiftTemplates[i].Days = []string{}
		}
	}
	if fe := s.Check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	cur, err := api.currentVersion(ctx, p.Tenant, forecaststore.SettingsKey, nil)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := checkPrecondition(pc, cur, "the staffing settings"); err != nil {
		return httpapi.Response{}, err
	}
	s.UpdatedAt = api.now().UTC()
	// No event: staffing settings change no bot, queue or routing behaviour that a consumer acts on.
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, forecaststore.SettingsKey, s, cur)}); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, "the staffing settings")
	}
	return httpapi.Response{Status: http.StatusOK, Body: staffingSettingsOut{Settings: s, Version: cur + 1}, Headers: etag(cur + 1)}, nil
}

// wallboardOut is GET /v1/wallboard's answer: the board, and today's forecast per 15 minutes
// beside its arrivals (forecastpub.Today; empty when nothing is published).
type wallboardOut struct {
	wallboard.Board
	Forecast []forecastpub.Point `json:"forecast"`
}

// withForecast adds today's forecast to b when the request asks for it (?forecast=today: it reads
// every series' latest scheduling and rolling forecasts, so the console asks every few minutes,
// not on each refresh). The board never fails for it: a forecast that cannot be read is logged and
// left empty.
func (api *API) withForecast(ctx context.Context, r *httpapi.Request, t tenant.ID, b wallboard.Board) wallboardOut {
	out := wallboardOut{Board: b, Forecast: []forecastpub.Point{}}
	if api.fc.pub == nil || r.QueryStringParameters["forecast"] != "today" {
		return out
	}
	f, err := api.fc.pub.Today(ctx, t)
	if err != nil {
		api.log.WarnContext(ctx, "wallboard: today's forecast", "tenant", t.String(), "err", err)
		return out
	}
	out.Forecast = f
	return out
}
