package floor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

// Attributes of a voice contact whose caller asked to be called back (RequestCallback). The agent
// desktop shows them with the contact's other attributes.
const (
	// AttrCallbackRequested is "true" once the caller pressed 1 for a callback.
	AttrCallbackRequested = "callback_requested"
	// AttrCallbackNumber is the number to call back (the caller's). Personal data.
	AttrCallbackNumber = "callback_number"
	// AttrCallbackPromisedBy is the time the caller was promised the callback by (RFC 3339).
	AttrCallbackPromisedBy = "callback_promised_by"
)

// CallbackRequested reports whether c's caller asked to be called back.
func (c Contact) CallbackRequested() bool { return c.Attributes[AttrCallbackRequested] == "true" }

// RequestCallback keeps queued voice contact contactID waiting for an agent as a callback: its
// caller pressed 1 to be called back on number by promisedBy, and the call ends. The contact
// stays queued, with its wait going on, and gets the attributes callback_requested=true,
// callback_number, callback_promised_by and callback_offered=true (so a maximum wait keeps it
// rather than abandoning it). One conditional transaction on the contact and its waiting item;
// a contact no longer queued (offered to an agent meanwhile, ended) is ErrWrongState and nothing
// changed. Asking again for a contact already a callback returns it unchanged.
func (f *Floor) RequestCallback(ctx context.Context, t tenant.ID, contactID, number string, promisedBy time.Time) (Contact, error) {
	if number == "" || promisedBy.IsZero() {
		return Contact{}, fmt.Errorf("callback for %s: %w: a number and a promised time are required", contactID, ErrInvalid)
	}
	var out Contact
	err := retry(ctx, func() error {
		c, cv, err := f.Contact(ctx, t, contactID)
		if err != nil {
			return err
		}
		if c.Channel != events.ChannelVoice {
			return fmt.Errorf("callback for %s: %w: a %s contact is not called back", c.ID, ErrInvalid, c.Channel)
		}
		if c.State != StateQueued {
			return fmt.Errorf("callback for %s: contact is %s: %w", c.ID, c.State, ErrWrongState)
		}
		if c.CallbackRequested() {
			out = c
			return nil
		}
		var w Contact
		wv, err := f.db.Get(ctx, t, waitingKey(c.ID), &w)
		if errors.Is(err, store.ErrNotFound) { // offered or ended meanwhile: read again
			return fmt.Errorf("callback for %s: it no longer waits: %w", c.ID, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		c.UpdatedAt = f.clock()
		extra := map[string]string{AttrCallbackRequested: "true", AttrCallbackNumber: number,
			AttrCallbackPromisedBy: promisedBy.UTC().Format(time.RFC3339)}
		if err := f.keepForCallback(ctx, t, &c, cv, wv, extra); err != nil {
			return fmt.Errorf("callback for %s: %w", c.ID, err)
		}
		out = c
		return nil
	})
	return out, err
}

// EndCall records that a voice caller hung up, as EndByCustomer does, with two differences: a
// contact whose caller asked to be called back stays as it is (the hang-up ends the request's
// call, the customer still waits), and a queued or offered contact is abandoned with reason
// (events.AbandonCustomerLeft, or events.AbandonDiverted for a caller who hung up after being
// offered self-service).
func (f *Floor) EndCall(ctx context.Context, t tenant.ID, contactID string, reason events.AbandonReason) (Contact, error) {
	if reason != events.AbandonCustomerLeft && reason != events.AbandonDiverted {
		return Contact{}, fmt.Errorf("end call %s: %w: reason %q", contactID, ErrInvalid, reason)
	}
	return f.endByCustomer(ctx, t, contactID, reason, true)
}

// keepForCallback writes queued contact c (read at version cv, its waiting item at wv) kept for a
// callback: its attributes with extra and callback_offered=true, on the contact and its waiting
// copy, in one transaction. c is updated in place.
func (f *Floor) keepForCallback(ctx context.Context, t tenant.ID, c *Contact, cv, wv int64, extra map[string]string) error {
	attrs := make(map[string]string, len(c.Attributes)+len(extra)+1)
	maps.Copy(attrs, c.Attributes)
	maps.Copy(attrs, extra)
	attrs[AttrCallbackOffered] = "true"
	c.Attributes = attrs
	return f.commit.Commit(ctx, []store.Op{store.PutOp(t, ContactKey(c.ID), *c, cv), store.PutOp(t, waitingKey(c.ID), c.waitingCopy(), wv)})
}
