package handler

// forecast_data.go: what the forecaster learns from (issue 11), as a tenant gives it: the history
// of its volumes (POST /v1/forecast/history, CSV, shared/intervals), its calendar events, planned
// (PUT /v1/forecast/events/{id}) and past (POST /v1/forecast/event-history), and its calendar
// settings (time zone and holidays, /v1/forecast/settings; shared/forecastcal). Admins write;
// admins and supervisors read. A body that breaks a rule of the data (a gap in a series, a window
// in the past or overlapping another) is 422 forecast-data-rejected with a pointer per fault; a
// body of the wrong shape is 400, as everywhere. The writes emit no event: the forecast function
// reads them when it next publishes. Contract entries: forecast_contract.go; docs:
// docs/forecast-history.md.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecastcal"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// kindForecastRejected is a forecast data body that decodes but breaks the data's rules.
var kindForecastRejected = &httpapi.Kind{Slug: "forecast-data-rejected", Title: "The forecast data breaks a rule", Status: http.StatusUnprocessableEntity}

// forecastData are the forecast data routes' dependencies.
type forecastData struct {
	counters *intervals.Counters
	cal      *forecastcal.Cal
}

// WithForecastData serves the history import from c and reads the calendar through cal. Without
// it the routes answer 503.
func WithForecastData(c *intervals.Counters, cal *forecastcal.Cal) Option {
	return func(api *API) { api.fcData = forecastData{counters: c, cal: cal} }
}

func (api *API) forecastDataRoutes() {
	admin, reader := auth.RoleAdmin, auth.RoleSupervisor
	api.router.Handle("POST /v1/forecast/history", api.tenantKey(admin, api.importHistory))
	api.router.Handle("GET /v1/forecast/history", api.tenantKey(reader, api.getHistory))
	api.router.Handle("GET /v1/forecast/events", api.tenantKey(reader, api.listForecastEvents))
	api.router.Handle("GET /v1/forecast/events/{id}", api.tenantKey(reader, api.getForecastEvent))
	api.router.Handle("PUT /v1/forecast/events/{id}", api.tenantKey(admin, api.putForecastEvent))
	api.router.Handle("DELETE /v1/forecast/events/{id}", api.tenantKey(admin, api.deleteForecastEvent))
	api.router.Handle("POST /v1/forecast/event-history", api.tenantKey(admin, api.importEventHistory))
	api.router.Handle("GET /v1/forecast/settings", api.tenantKey(reader, api.getForecastSettings))
	api.router.Handle("PUT /v1/forecast/settings", api.tenantKey(admin, api.putForecastSettings))
}

func (api *API) forecastDeps() (forecastData, error) {
	if api.fcData.counters == nil || api.fcData.cal == nil {
		return forecastData{}, httpapi.Errorf(httpapi.KindUnavailable, "forecasting is not configured")
	}
	return api.fcData, nil
}

// rejected is the 422 of data that breaks its rules.
func rejected(fields []httpapi.FieldError, detail string) error {
	if detail == "" && len(fields) > 0 {
		detail = fields[0].String()
	}
	return &httpapi.Error{Kind: kindForecastRejected, Detail: detail, Fields: fields}
}

// knownQueues is the tenant's queues, and the default queue, which every tenant has.
func (api *API) knownQueues(ctx context.Context, t tenant.ID) (func(string) bool, error) {
	qs, _, err := store.QueryAll[floor.Queue](ctx, api.store, t, floor.KindQueue, "", -1)
	if err != nil {
		return nil, fmt.Errorf("queues of %s: %w", t, err)
	}
	ids := map[string]bool{botconfig.DefaultQueue: true}
	for _, q := range qs {
		ids[q.ID] = true
	}
	return func(q string) bool { return ids[q] }, nil
}

// ---- history ----------------------------------------------------------------------------------

// historyOut is GET /v1/forecast/history: the imported series and every series counted or
// imported.
type historyOut struct {
	Imported []intervals.ImportedSeries `json:"imported"`
	Series   []intervals.SeriesRef      `json:"series"`
}

func (api *API) importHistory(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	fc, err := api.forecastDeps()
	if err != nil {
		return httpapi.Response{}, err
	}
	ct := r.Header("content-type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/csv" {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindMediaType, "content type %q: send the history as text/csv", ct)
	}
	body, err := r.Body()
	if err != nil {
		return httpapi.Response{}, err
	}
	if len(body) > intervals.MaxHistoryBytes {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindTooLarge, "body is %d bytes; the limit is %d: split the history by queue or period", len(body), intervals.MaxHistoryBytes)
	}
	known, err := api.knownQueues(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	h, err := intervals.ParseHistory(bytes.NewReader(body), known)
	if he, ok := errors.AsType[*intervals.HistoryError](err); ok {
		fields := make([]httpapi.FieldError, len(he.Problems))
		for i, pr := range he.Problems {
			fields[i] = httpapi.FieldError{Field: pr.Pointer(), Reason: pr.Reason}
		}
		detail := fmt.Sprintf("%d problems; nothing was stored. %s", he.Total, fields[0])
		if he.Total > len(fields) {
			detail = fmt.Sprintf("%d problems, the first %d listed; nothing was stored. %s", he.Total, len(fields), fields[0])
		}
		return httpapi.Response{}, rejected(fields, detail)
	}
	if errors.Is(err, intervals.ErrTooLarge) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindTooLarge, "%s", strings.TrimPrefix(err.Error(), "intervals: "))
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	sum, err := fc.counters.Import(ctx, p.Tenant, h)
	if errors.Is(err, intervals.ErrTooLarge) { // the tenant's imported series in all
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindTooLarge, "%s; nothing was stored", strings.TrimPrefix(err.Error(), "intervals: "))
	}
	if errors.Is(err, intervals.ErrNewerImport) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "a newer import of the same series finished first; nothing of this one was stored")
	}
	if err != nil {
		return httpapi.Response{}, err
	}
	// The forecast function's schedules go through the registered tenants: a tenant that imported
	// history is forecast before its first live contact. Registering is idempotent, so a client
	// that sees this fail sends the import again.
	if api.fc.pub != nil {
		if err := api.fc.pub.Store().Register(ctx, p.Tenant, api.now()); err != nil {
			return httpapi.Response{}, fmt.Errorf("history %s stored, but not registered for forecasting: %w", sum.ImportID, err)
		}
	}
	api.log.InfoContext(ctx, "history imported", "tenant", p.Tenant.String(), "import_id", sum.ImportID, "rows", sum.Rows, "series", len(sum.Series))
	return httpapi.JSON(http.StatusCreated, sum), nil
}

func (api *API) getHistory(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	fc, err := api.forecastDeps()
	if err != nil {
		return httpapi.Response{}, err
	}
	imported, refs, err := fc.counters.Overview(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, historyOut{Imported: imported, Series: refs}), nil
}

// ---- events -----------------------------------------------------------------------------------

// forecastEventBody is the body of PUT /v1/forecast/events/{id}; the id comes from the path.
type forecastEventBody struct {
	Type    string               `json:"type" jsonschema:"enum=campaign,enum=product_launch,enum=outage,enum=billing_day,enum=holiday"`
	Name    string               `json:"name" jsonschema:"minLength=1,maxLength=200"`
	Queue   string               `json:"queue,omitempty" jsonschema:"maxLength=64"`
	Windows []forecastcal.Window `json:"windows" jsonschema:"minItems=1,maxItems=50"`
}

// forecastEventOut is an event as the API shows it.
type forecastEventOut struct {
	forecastcal.Event
	Version int64 `json:"version"`
}

func forecastEventWhat(id string) string { return fmt.Sprintf("forecast event %q", id) }

// event builds the event the body describes.
func (b forecastEventBody) event(id, source string) forecastcal.Event {
	return forecastcal.Event{ID: id, Type: b.Type, Name: strings.TrimSpace(b.Name), Queue: b.Queue, Windows: b.Windows, Source: source}
}

func (api *API) listForecastEvents(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	queue, source := r.QueryStringParameters["queue"], r.QueryStringParameters["source"]
	if source != "" && source != forecastcal.SourcePlanned && source != forecastcal.SourceHistory {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "source", Reason: "must be planned or history"})
	}
	return api.listItems(ctx, r, p.Tenant, forecastcal.KindEvent, func(rec store.Record) (any, bool, error) {
		var e forecastcal.Event
		if err := rec.Decode(&e); err != nil {
			return nil, false, err
		}
		keep := (queue == "" || e.Queue == "" || e.Queue == queue) && (source == "" || e.Source == source)
		return forecastEventOut{Event: e, Version: rec.Version}, keep, nil
	})
}

func (api *API) getForecastEvent(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := pathID(r, "forecast event", false)
	if err != nil {
		return httpapi.Response{}, err
	}
	var e forecastcal.Event
	ver, err := api.getItem(ctx, p.Tenant, forecastcal.EventKey(id), forecastEventWhat(id), &e)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: forecastEventOut{Event: e, Version: ver}, Headers: etag(ver)}, nil
}

func (api *API) putForecastEvent(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := api.forecastDeps(); err != nil {
		return httpapi.Response{}, err
	}
	id, err := pathID(r, "forecast event", true)
	if err != nil {
		return httpapi.Response{}, err
	}
	var body forecastEventBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	known, err := api.knownQueues(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	e := body.event(id, forecastcal.SourcePlanned)
	var old forecastcal.Event
	k, what := forecastcal.EventKey(id), forecastEventWhat(id)
	cur, err := api.currentVersion(ctx, p.Tenant, k, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	// Windows kept unchanged from the stored event may have passed; the write is conditional on
	// its version, so they are checked against what is replaced.
	if fe := e.CheckReplacing(old, now, known); len(fe) > 0 {
		return httpapi.Response{}, rejected(fe, "")
	}
	if err := checkPrecondition(pc, cur, what); err != nil {
		return httpapi.Response{}, err
	}
	e.CreatedAt, e.UpdatedAt = now, now
	if cur > 0 {
		if old.Source == forecastcal.SourceHistory {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "%s is a past occurrence (event history); plan the future under another id", what)
		}
		e.CreatedAt = old.CreatedAt
	} else if err := api.roomForEvents(ctx, p.Tenant, 1); err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, k, e, cur)}); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, what)
	}
	status := http.StatusOK
	if cur == 0 {
		status = http.StatusCreated
	}
	return httpapi.Response{Status: status, Body: forecastEventOut{Event: e, Version: cur + 1}, Headers: etag(cur + 1)}, nil
}

// roomForEvents refuses (409) events beyond forecastcal.MaxEvents.
func (api *API) roomForEvents(ctx context.Context, t tenant.ID, adding int) error {
	n, err := api.storedEvents(ctx, t, nil)
	if err != nil {
		return err
	}
	return eventRoom(n, adding)
}

// eventRoom refuses (409) adding events to n stored ones beyond forecastcal.MaxEvents.
func eventRoom(n, adding int) error {
	if n+adding > forecastcal.MaxEvents {
		return httpapi.Errorf(httpapi.KindConflict, "%d forecast events; a tenant keeps at most %d: delete old ones first", n, forecastcal.MaxEvents)
	}
	return nil
}

// storedEvent is a stored event and its version.
type storedEvent struct {
	forecastcal.Event
	version int64
}

// storedEvents counts t's events in one pass, and fills in want (when not nil) the stored event
// of each id it holds as a key.
func (api *API) storedEvents(ctx context.Context, t tenant.ID, want map[string]storedEvent) (int, error) {
	n := 0
	for rec, err := range store.Records(ctx, api.store, t, forecastcal.KindEvent, "", store.PageRequest{Limit: store.MaxLimit}) {
		if err != nil {
			return 0, fmt.Errorf("count forecast events of %s: %w", t, err)
		}
		n++
		if _, ok := want[rec.Key.ID]; ok {
			se := storedEvent{version: rec.Version}
			if err := rec.Decode(&se.Event); err != nil {
				return 0, fmt.Errorf("forecast event %s of %s: %w", rec.Key.ID, t, err)
			}
			want[rec.Key.ID] = se
		}
	}
	return n, nil
}

func (api *API) deleteForecastEvent(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, pc, err := deleteTarget(r, "forecast event")
	if err != nil {
		return httpapi.Response{}, err
	}
	k, what := forecastcal.EventKey(id), forecastEventWhat(id)
	cur, err := api.loadForWrite(ctx, p.Tenant, k, what, "forecast events", "PUT /v1/forecast/events/{id}", pc, nil)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.DeleteOp(p.Tenant, k, cur)}); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, what)
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

// eventHistoryBody is the body of POST /v1/forecast/event-history: past occurrences.
type eventHistoryBody struct {
	Events []eventHistoryItem `json:"events" jsonschema:"minItems=1,maxItems=90"`
}

// eventHistoryItem is one past event: a PUT body plus its id.
type eventHistoryItem struct {
	ID string `json:"id" jsonschema:"minLength=1,maxLength=64"`
	forecastEventBody
}

// eventHistoryOut says what an event-history import did.
type eventHistoryOut struct {
	Created  []string `json:"created"`
	Replaced []string `json:"replaced"`
}

func (api *API) importEventHistory(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := api.forecastDeps(); err != nil {
		return httpapi.Response{}, err
	}
	var body eventHistoryBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if n := len(body.Events); n == 0 || n > forecastcal.MaxEventHistory {
		return httpapi.Response{}, rejected([]httpapi.FieldError{{Field: "/events", Reason: fmt.Sprintf("%d events; give 1 to %d (split larger histories: each request is all or nothing)", n, forecastcal.MaxEventHistory)}}, "")
	}
	known, err := api.knownQueues(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	var fields []httpapi.FieldError
	seen := map[string]int{}
	evs := make([]forecastcal.Event, len(body.Events))
	for i, it := range body.Events {
		ptr := fmt.Sprintf("/events/%d", i)
		evs[i] = it.event(it.ID, forecastcal.SourceHistory)
		for _, fe := range evs[i].Check(now, known) {
			fields = append(fields, httpapi.FieldError{Field: ptr + fe.Field, Reason: fe.Reason})
		}
		if j, dup := seen[it.ID]; dup {
			fields = append(fields, httpapi.FieldError{Field: ptr + "/id", Reason: fmt.Sprintf("repeats /events/%d", j)})
		} else {
			seen[it.ID] = i
		}
	}
	if len(fields) > 0 {
		return httpapi.Response{}, rejected(fields, "")
	}
	// One pass over the stored events gives both the versions of the ids sent and the count.
	stored := make(map[string]storedEvent, len(evs))
	for _, e := range evs {
		stored[e.ID] = storedEvent{}
	}
	n, err := api.storedEvents(ctx, p.Tenant, stored)
	if err != nil {
		return httpapi.Response{}, err
	}
	var ops []store.Op
	out := eventHistoryOut{Created: []string{}, Replaced: []string{}}
	for i, e := range evs {
		old, cur := stored[e.ID].Event, stored[e.ID].version
		e.CreatedAt, e.UpdatedAt = now, now
		if cur > 0 {
			if old.Source != forecastcal.SourceHistory {
				fields = append(fields, httpapi.FieldError{Field: fmt.Sprintf("/events/%d/id", i), Reason: "names a planned event; past occurrences take ids of their own"})
				continue
			}
			e.CreatedAt = old.CreatedAt
			out.Replaced = append(out.Replaced, e.ID)
		} else {
			out.Created = append(out.Created, e.ID)
		}
		ops = append(ops, store.PutOp(p.Tenant, forecastcal.EventKey(e.ID), e, cur))
	}
	if len(fields) > 0 {
		return httpapi.Response{}, rejected(fields, "")
	}
	if err := eventRoom(n, len(out.Created)); err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, ops); err != nil {
		return httpapi.Response{}, writeConflict(err, precondition{}, "the events")
	}
	status := http.StatusOK
	if len(out.Created) > 0 {
		status = http.StatusCreated
	}
	return httpapi.JSON(status, out), nil
}

// ---- settings ---------------------------------------------------------------------------------

// forecastSettingsBody is the body of PUT /v1/forecast/settings.
type forecastSettingsBody struct {
	TimeZone string                `json:"time_zone" jsonschema:"maxLength=64"`
	Holidays []forecastcal.Holiday `json:"holidays" jsonschema:"maxItems=500"`
}

// forecastSettingsOut is the calendar settings as the API shows them.
type forecastSettingsOut struct {
	forecastcal.Settings
	Version int64 `json:"version"`
}

func (api *API) getForecastSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	fc, err := api.forecastDeps()
	if err != nil {
		return httpapi.Response{}, err
	}
	s, ver, err := fc.cal.Settings(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	resp := httpapi.Response{Status: http.StatusOK, Body: forecastSettingsOut{Settings: s, Version: ver}}
	if ver > 0 {
		resp.Headers = etag(ver)
	}
	return resp, nil
}

func (api *API) putForecastSettings(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := api.forecastDeps(); err != nil {
		return httpapi.Response{}, err
	}
	var body forecastSettingsBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	s := forecastcal.Settings{TimeZone: body.TimeZone, Holidays: body.Holidays, UpdatedAt: api.now().UTC()}
	if s.Holidays == nil {
		s.Holidays = []forecastcal.Holiday{}
	}
	for i := range s.Holidays {
		s.Holidays[i].Name = strings.TrimSpace(s.Holidays[i].Name)
	}
	if fe := s.Check(); len(fe) > 0 {
		return httpapi.Response{}, rejected(fe, "")
	}
	slices.SortStableFunc(s.Holidays, func(a, b forecastcal.Holiday) int { return strings.Compare(a.Date, b.Date) })
	const what = "the forecast settings"
	cur, err := api.currentVersion(ctx, p.Tenant, forecastcal.SettingsKey, nil)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := checkPrecondition(pc, cur, what); err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, forecastcal.SettingsKey, s, cur)}); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, what)
	}
	return httpapi.Response{Status: http.StatusOK, Body: forecastSettingsOut{Settings: s, Version: cur + 1}, Headers: etag(cur + 1)}, nil
}
