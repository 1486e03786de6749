package edge

import (
	"context"
	"errors"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/media-edge/call"
	"github.com/lingxi/lingxi/shared/conversation"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/tenant"
)

// routingFloor fits shared/floor to the call's Floor: the contact of a call is its conversation
// (the chat function's handoff of the call emitted contact.created with that subject, and
// dispatch queued it), and an agent's softphone is the SIP account of their presence.
type routingFloor struct{ f *floor.Floor }

var _ call.Floor = routingFloor{}

// ContactID is the contact of call callID: its conversation's id.
func ContactID(callID string) string { return conversation.VoiceConversationID(callID) }

func (r routingFloor) Contact(ctx context.Context, t tenant.ID, callID string) (call.VoiceContact, error) {
	c, _, err := r.f.Contact(ctx, t, ContactID(callID))
	if errors.Is(err, floor.ErrNotFound) {
		return call.VoiceContact{}, call.ErrNoContact
	}
	if err != nil {
		return call.VoiceContact{}, err
	}
	vc := call.VoiceContact{State: string(c.State), Queue: c.Queue, AgentID: c.AgentID, Callback: c.CallbackRequested()}
	if c.Offer != nil && c.State == floor.StateOffered {
		vc.Offer = &call.VoiceOffer{ID: c.Offer.ID, AgentID: c.Offer.AgentID, ExpiresAt: c.Offer.ExpiresAt}
	}
	return vc, nil
}

func (r routingFloor) Softphone(ctx context.Context, t tenant.ID, agentID string) (string, error) {
	p, _, err := r.f.Presence(ctx, t, agentID)
	if errors.Is(err, floor.ErrNotFound) {
		return "", nil
	}
	return p.SIPAccount, err
}

// offerErr maps the floor's refusals of an offer's answer to the call's ErrOfferGone.
func offerErr(err error) error {
	if errors.Is(err, floor.ErrOfferGone) || errors.Is(err, floor.ErrWrongState) || errors.Is(err, floor.ErrNotYours) {
		return errors.Join(call.ErrOfferGone, err)
	}
	return err
}

func (r routingFloor) Accept(ctx context.Context, t tenant.ID, callID, offerID, agentID string) error {
	_, err := r.f.Accept(ctx, t, ContactID(callID), offerID, agentID)
	return offerErr(err)
}

func (r routingFloor) Decline(ctx context.Context, t tenant.ID, callID, offerID, agentID string) error {
	_, err := r.f.Decline(ctx, t, ContactID(callID), offerID, agentID)
	return offerErr(err)
}

// Leave ends the contact by the customer (abandoned as diverted when the caller heard the
// self-service offer); one already over (abandoned by the maximum wait, wrapped up, closed), or
// a callback, stays as it is.
func (r routingFloor) Leave(ctx context.Context, t tenant.ID, callID string, how call.Left) error {
	reason := events.AbandonCustomerLeft
	if how == call.LeftDiverted {
		reason = events.AbandonDiverted
	}
	_, err := r.f.EndCall(ctx, t, ContactID(callID), reason)
	switch {
	case errors.Is(err, floor.ErrNotFound):
		return call.ErrNoContact
	case errors.Is(err, floor.ErrWrongState):
		return nil
	}
	return err
}

// RequestCallback keeps the call's queued contact as a callback; a contact no longer queued is
// call.ErrNotWaiting.
func (r routingFloor) RequestCallback(ctx context.Context, t tenant.ID, callID, number string, by time.Time) error {
	_, err := r.f.RequestCallback(ctx, t, ContactID(callID), number, by)
	if errors.Is(err, floor.ErrWrongState) {
		return errors.Join(call.ErrNotWaiting, err)
	}
	return err
}
