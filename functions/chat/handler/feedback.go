package handler

// feedback.go: POST /v1/contacts/{id}/feedback, a customer's survey answer sent by the partner
// (shared/satisfaction). The id is a conversation of the key's tenant or a human-service contact
// of it (a contact a partner created has no conversation); anything else is 404. A contact takes
// one answer: a second is 409, also when two race (the write is conditional).

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/satisfaction"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// WithFeedback serves POST /v1/contacts/{id}/feedback, reading contacts and feedback from db.
// Without it the route answers 503.
func WithFeedback(db satisfaction.Getter) Option { return func(api *API) { api.feedback = db } }

// feedbackBody is POST /v1/contacts/{id}/feedback. The jsonschema tags state the rules of
// satisfaction.Answer.Problems in the contract.
type feedbackBody struct {
	CSAT    *int   `json:"csat" jsonschema:"minimum=1,maximum=5"`
	NPS     *int   `json:"nps" jsonschema:"minimum=0,maximum=10"`
	Comment string `json:"comment" text:"multiline" jsonschema:"maxLength=2000"` // satisfaction.MaxCommentRunes
}

func (b feedbackBody) answer() (satisfaction.Answer, error) {
	a := satisfaction.Answer{CSAT: b.CSAT, NPS: b.NPS, Comment: b.Comment}
	var f fields
	for _, p := range a.Problems() {
		f.add(p.Field, p.Reason)
	}
	return a, f.err()
}

func (api *API) postFeedback(ctx context.Context, r *httpapi.Request, t tenant.ID) (httpapi.Response, error) {
	var body feedbackBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	a, err := body.answer()
	if err != nil {
		return httpapi.Response{}, err
	}
	if api.feedback == nil {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindUnavailable, "feedback is not served here")
	}
	id := r.Params["id"]
	customer, err := api.contactCustomer(ctx, t, id)
	if err != nil {
		return httpapi.Response{}, err
	}
	prev, ver, err := satisfaction.Get(ctx, api.feedback, t, id)
	if err != nil {
		return httpapi.Response{}, err
	}
	if ver != 0 {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "contact %q already has its survey answer", id)
	}
	prev = satisfaction.Feedback{ContactID: id, CustomerID: customer}
	stored, op, ev, err := satisfaction.Record(t, prev, 0, a, lxevents.FeedbackAPI, conversation.Source, api.now())
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("record feedback: %w", err)
	}
	if err := api.commit.Commit(ctx, []store.Op{op}, ev); errors.Is(err, store.ErrConflict) {
		// Another answer got in first, or a concurrent write cancelled this one (nothing written).
		if _, ver, rerr := satisfaction.Get(ctx, api.feedback, t, id); rerr == nil && ver == 0 {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "contact %q changed while the answer was recorded; retry", id)
		}
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "contact %q already has its survey answer", id)
	} else if err != nil {
		return httpapi.Response{}, fmt.Errorf("record feedback: %w", err)
	}
	return httpapi.JSON(http.StatusCreated, stored), nil
}

// contactCustomer finds contact id of t, a conversation or a human-service contact, and returns
// its customer's id ("" when anonymous); 404 when t has neither.
func (api *API) contactCustomer(ctx context.Context, t tenant.ID, id string) (string, error) {
	c, err := api.conv.Get(ctx, t, id)
	switch {
	case err == nil:
		return c.Customer.ID, nil
	case !errors.Is(err, conversation.ErrNotFound):
		return "", err
	}
	var fc floor.Contact
	_, err = api.feedback.Get(ctx, t, floor.ContactKey(id), &fc)
	switch {
	case err == nil:
		return fc.CustomerID, nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalidKey):
		return "", httpapi.Errorf(httpapi.KindNotFound, "no contact %q", id)
	}
	return "", fmt.Errorf("read contact %s: %w", id, err)
}
