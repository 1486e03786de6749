package handler

// qa.go: quality inspection (shared/inspect, docs/quality.md). Admins write the scoring forms;
// supervisors read forms and every result, draw samples for review and re-score; an agent reads
// and disputes their own results.
//
//	GET  /v1/qa/forms                      the tenant's forms (the built-in default until replaced) and which is active
//	GET  /v1/qa/forms/{id}                 one form
//	PUT  /v1/qa/forms/{id}                 create or replace a form; active: true inspects with it from now on
//	GET  /v1/qa/contacts/{id}              a contact's result: score, rules, violations with their turns, transcript, review
//	GET  /v1/qa/agents/{id}                an agent's scores over time (from, to): each contact, per day, the mean
//	POST /v1/qa/reviews                    draw a random sample of inspected contacts for review
//	POST /v1/qa/contacts/{id}/dispute      the agent disputes a result, with a reason
//	POST /v1/qa/contacts/{id}/rescore      a supervisor re-scores with per-rule overrides

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/inspect"
	"github.com/lingxi/lingxi/shared/tenant"
)

// QABook is what the quality-inspection routes need of the records; *inspect.Book is one.
// Reads of one item answer inspect.ErrNoForm or inspect.ErrNoResult when there is none.
type QABook interface {
	Forms(ctx context.Context, t tenant.ID) ([]inspect.Form, error)
	Form(ctx context.Context, t tenant.ID, id string) (inspect.Form, error)
	ActiveFormID(ctx context.Context, t tenant.ID) (string, int64, error)
	PutForm(ctx context.Context, t tenant.ID, f inspect.Form, activate bool, by string) (inspect.Form, bool, error)
	Result(ctx context.Context, t tenant.ID, contactID string) (inspect.Result, error)
	Agent(ctx context.Context, t tenant.ID, agentID string, from, to time.Time) (inspect.AgentSeries, error)
	Sample(ctx context.Context, t tenant.ID, req inspect.SampleRequest) ([]inspect.Sampled, int, error)
	Dispute(ctx context.Context, t tenant.ID, contactID, by, agentOnly, reason string) (inspect.Result, error)
	Rescore(ctx context.Context, t tenant.ID, contactID, by string, overrides []inspect.Override, note string) (inspect.Result, error)
}

var _ QABook = (*inspect.Book)(nil)

// WithQA serves the /v1/qa routes from b. Without it they answer 503.
func WithQA(b QABook) Option { return func(api *API) { api.qa = b } }

// QASeriesSpan is the default window of GET /v1/qa/agents/{id}: the last 30 days.
const QASeriesSpan = 30 * 24 * time.Hour

func (api *API) qaRoutes() {
	agent, supervisor, admin := auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin
	api.router.Handle("GET /v1/qa/forms", api.tenantKey(supervisor, api.listQAForms))
	api.router.Handle("GET /v1/qa/forms/{id}", api.tenantKey(supervisor, api.getQAForm))
	api.router.Handle("PUT /v1/qa/forms/{id}", api.tenantKey(admin, api.putQAForm))
	api.router.Handle("GET /v1/qa/contacts/{id}", api.tenantKey(agent, api.getQAResult))
	api.router.Handle("GET /v1/qa/agents/{id}", api.tenantKey(agent, api.getQAAgent))
	api.router.Handle("POST /v1/qa/reviews", api.tenantKey(supervisor, api.sampleQA))
	api.router.Handle("POST /v1/qa/contacts/{id}/dispute", api.tenantKey(agent, api.disputeQA))
	api.router.Handle("POST /v1/qa/contacts/{id}/rescore", api.tenantKey(supervisor, api.rescoreQA))
}

func (api *API) qaBook() (QABook, error) {
	if api.qa == nil {
		return nil, httpapi.Errorf(httpapi.KindUnavailable, "quality inspection is not configured")
	}
	return api.qa, nil
}

// qaError maps the records' sentinels to problems.
func qaError(err error, what string) error {
	switch {
	case errors.Is(err, inspect.ErrNoForm), errors.Is(err, inspect.ErrNoResult):
		return httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
	case errors.Is(err, inspect.ErrDisputed):
		return httpapi.Errorf(httpapi.KindConflict, "%s is already disputed", what)
	case errors.Is(err, inspect.ErrBusy):
		return httpapi.Errorf(httpapi.KindConflict, "%s changed meanwhile; retry", what)
	}
	return err
}

// validContactID says whether id can name a contact: printable, one line, at most 128 bytes (an
// event subject). Anything else is a 404 without a store read.
func validContactID(id string) bool {
	return id != "" && len(id) <= 128 && !strings.ContainsAny(id, "#") && httpapi.TextProblem(id, false) == ""
}

// ---- forms --------------------------------------------------------------------------------------

// qaForm is a form as the routes answer it: whether it is the one contacts are inspected with,
// and whether it is the built-in default.
type qaForm struct {
	inspect.Form
	Active  bool `json:"active"`
	BuiltIn bool `json:"built_in"`
}

// qaForms is GET /v1/qa/forms.
type qaForms struct {
	Items  []qaForm `json:"items"`
	Active string   `json:"active"`
}

func view(f inspect.Form, active string) qaForm {
	return qaForm{Form: f, Active: f.ID == active, BuiltIn: f.Version == 0}
}

func (api *API) listQAForms(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	forms, err := b.Forms(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	active, _, err := b.ActiveFormID(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	out := qaForms{Items: make([]qaForm, 0, len(forms)), Active: active}
	for _, f := range forms {
		out.Items = append(out.Items, view(f, active))
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

func (api *API) getQAForm(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	f, err := b.Form(ctx, p.Tenant, id)
	if err != nil {
		return httpapi.Response{}, qaError(err, fmt.Sprintf("form %q", id))
	}
	active, _, err := b.ActiveFormID(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, view(f, active)), nil
}

// qaFormBody is the body of PUT /v1/qa/forms/{id}: the form's name and rules; active: true makes
// it the form contacts are inspected with from now on.
type qaFormBody struct {
	Name   string         `json:"name" jsonschema:"minLength=1,maxLength=200"`
	Rules  []inspect.Rule `json:"rules" jsonschema:"minItems=1,maxItems=50"`
	Active bool           `json:"active,omitempty"`
}

func (api *API) putQAForm(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	var body qaFormBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	f := inspect.Form{ID: id, Name: body.Name, Rules: body.Rules}
	fe := f.Check("")
	if !inspect.ValidID(id) {
		fe = append([]httpapi.FieldError{{Field: "id", Reason: "the path's form id must be 1-64 of a-z, 0-9, _ and -"}}, fe...)
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	stored, created, err := b.PutForm(ctx, p.Tenant, f, body.Active, p.Actor())
	if err != nil {
		return httpapi.Response{}, qaError(err, fmt.Sprintf("form %q", id))
	}
	active, _, err := b.ActiveFormID(ctx, p.Tenant)
	if err != nil {
		return httpapi.Response{}, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpapi.JSON(status, view(stored, active)), nil
}

// ---- results ------------------------------------------------------------------------------------

// ownResult reads contact id's result for p: an agent reads only their own (another's is a 404).
func (api *API) ownResult(ctx context.Context, b QABook, p auth.Principal, id string) (inspect.Result, error) {
	what := fmt.Sprintf("inspected contact %q", id)
	if !validContactID(id) {
		return inspect.Result{}, httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
	}
	res, err := b.Result(ctx, p.Tenant, id)
	if err != nil {
		return inspect.Result{}, qaError(err, what)
	}
	if agentOnly(p) && res.AgentID != p.UserID {
		return inspect.Result{}, httpapi.Errorf(httpapi.KindNotFound, "no %s", what)
	}
	return res, nil
}

func (api *API) getQAResult(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := api.ownResult(ctx, b, p, r.Params["id"])
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, res), nil
}

func (api *API) getQAAgent(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	id := r.Params["id"]
	from, fe := queryTime(r, "from")
	to, fe2 := queryTime(r, "to")
	if fe = append(fe, fe2...); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if to.IsZero() {
		to = api.now().UTC()
	}
	if from.IsZero() {
		from = to.Add(-QASeriesSpan)
	}
	if !to.After(from) {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "to", Reason: "must be after from"})
	}
	if !validEngineID(id) || agentOnly(p) && id != p.UserID {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no agent %q", id)
	}
	s, err := b.Agent(ctx, p.Tenant, id, from, to)
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("qa series of %s of %s: %w", id, p.Tenant, err)
	}
	return httpapi.JSON(http.StatusOK, s), nil
}

// ---- review -------------------------------------------------------------------------------------

// qaSampleBody is the body of POST /v1/qa/reviews.
type qaSampleBody struct {
	// Sample is how many contacts to draw: 1–100.
	Sample int `json:"sample" jsonschema:"minimum=1,maximum=100"`
	// AgentID draws only this agent's contacts.
	AgentID string `json:"agent_id,omitempty" jsonschema:"maxLength=64"`
	// From and To bound when the contacts were inspected (default: the last 7 days).
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
}

// qaSampled is the answer of POST /v1/qa/reviews: the contacts drawn and how many there were to
// draw from (inspected in the window and not yet in review).
type qaSampled struct {
	Items     []inspect.Sampled `json:"items"`
	Available int               `json:"available"`
}

func (api *API) sampleQA(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	var body qaSampleBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	var fe []httpapi.FieldError
	if body.Sample < 1 || body.Sample > inspect.MaxSample {
		fe = append(fe, httpapi.FieldError{Field: "/sample", Reason: fmt.Sprintf("must be from 1 to %d", inspect.MaxSample)})
	}
	if body.AgentID != "" && !validEngineID(body.AgentID) || len(body.AgentID) > 64 {
		fe = append(fe, httpapi.FieldError{Field: "/agent_id", Reason: "must be an agent's user id"})
	}
	req := inspect.SampleRequest{N: body.Sample, AgentID: body.AgentID, By: p.Actor(), To: api.now().UTC()}
	if body.To != nil {
		req.To = *body.To
	}
	req.From = req.To.Add(-inspect.DefaultSampleOf)
	if body.From != nil {
		req.From = *body.From
	}
	if !req.To.After(req.From) {
		fe = append(fe, httpapi.FieldError{Field: "/to", Reason: "must be after from"})
	}
	if len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	items, available, err := b.Sample(ctx, p.Tenant, req)
	if err != nil {
		return httpapi.Response{}, qaError(err, "a sampled contact")
	}
	return httpapi.JSON(http.StatusOK, qaSampled{Items: items, Available: available}), nil
}

// qaDisputeBody is the body of POST /v1/qa/contacts/{id}/dispute.
type qaDisputeBody struct {
	// Reason is why the agent disputes the result: 1–1000 characters.
	Reason string `json:"reason" jsonschema:"minLength=1,maxLength=1000" text:"multiline"`
}

func (api *API) disputeQA(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	var body qaDisputeBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if n := len([]rune(strings.TrimSpace(body.Reason))); n == 0 || n > inspect.MaxReasonRunes {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/reason", Reason: fmt.Sprintf("must be 1-%d characters", inspect.MaxReasonRunes)})
	}
	id := r.Params["id"]
	if _, err := api.ownResult(ctx, b, p, id); err != nil {
		return httpapi.Response{}, err
	}
	only := ""
	if agentOnly(p) {
		only = p.UserID
	}
	res, err := b.Dispute(ctx, p.Tenant, id, p.Actor(), only, body.Reason)
	if err != nil {
		return httpapi.Response{}, qaError(err, fmt.Sprintf("inspected contact %q", id))
	}
	return httpapi.JSON(http.StatusOK, res), nil
}

// qaRescoreBody is the body of POST /v1/qa/contacts/{id}/rescore.
type qaRescoreBody struct {
	// Overrides are the reviewer's verdicts, one per rule at most.
	Overrides []inspect.Override `json:"overrides" jsonschema:"minItems=1,maxItems=50"`
	// Note is the review's remark.
	Note string `json:"note,omitempty" jsonschema:"maxLength=500" text:"multiline"`
}

func (b qaRescoreBody) check() []httpapi.FieldError {
	var fe []httpapi.FieldError
	if len(b.Overrides) == 0 || len(b.Overrides) > inspect.MaxOverrides {
		fe = append(fe, httpapi.FieldError{Field: "/overrides", Reason: fmt.Sprintf("must hold 1-%d overrides", inspect.MaxOverrides)})
	}
	seen := map[string]bool{}
	for i, o := range b.Overrides {
		switch {
		case !inspect.ValidID(o.RuleID):
			fe = append(fe, httpapi.FieldError{Field: fmt.Sprintf("/overrides/%d/rule_id", i), Reason: "must be a rule id of the contact's result"})
		case seen[o.RuleID]:
			fe = append(fe, httpapi.FieldError{Field: fmt.Sprintf("/overrides/%d/rule_id", i), Reason: "repeats a rule"})
		}
		seen[o.RuleID] = true
		if len([]rune(o.Note)) > inspect.MaxNoteRunes {
			fe = append(fe, httpapi.FieldError{Field: fmt.Sprintf("/overrides/%d/note", i), Reason: fmt.Sprintf("must be at most %d characters", inspect.MaxNoteRunes)})
		}
	}
	if len([]rune(b.Note)) > inspect.MaxNoteRunes {
		fe = append(fe, httpapi.FieldError{Field: "/note", Reason: fmt.Sprintf("must be at most %d characters", inspect.MaxNoteRunes)})
	}
	return fe
}

func (api *API) rescoreQA(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := api.qaBook()
	if err != nil {
		return httpapi.Response{}, err
	}
	var body qaRescoreBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if fe := body.check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	id := r.Params["id"]
	if !validContactID(id) {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindNotFound, "no inspected contact %q", id)
	}
	res, err := b.Rescore(ctx, p.Tenant, id, p.Actor(), body.Overrides, body.Note)
	var unknown *inspect.UnknownRulesError
	if errors.As(err, &unknown) {
		fe := make([]httpapi.FieldError, 0, len(unknown.Indexes))
		for _, i := range unknown.Indexes {
			fe = append(fe, httpapi.FieldError{Field: fmt.Sprintf("/overrides/%d/rule_id", i), Reason: "names no rule of the contact's result"})
		}
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if err != nil {
		return httpapi.Response{}, qaError(err, fmt.Sprintf("inspected contact %q", id))
	}
	return httpapi.JSON(http.StatusOK, res), nil
}
