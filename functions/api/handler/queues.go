package handler

// queues.go: the tenant's agent queues (shared/floor's Queue) at /v1/queues. Admins write them;
// agents and supervisors read them (the desktop's transfer list). Each queue carries a version, in
// the body and as the ETag; PATCH and DELETE take If-Match. Every accepted write commits one
// bot.config.changed event (kind queue) with it. The dispatcher reads the queues on its next
// decision.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/tenant"
)

func (api *API) queueRoutes() {
	api.router.Handle("POST /v1/queues", api.tenantKey(auth.RoleAdmin, api.createQueue))
	api.router.Handle("GET /v1/queues", api.tenantKey(auth.RoleAgent, api.listQueues))
	api.router.Handle("GET /v1/queues/{id}", api.tenantKey(auth.RoleAgent, api.getQueue))
	api.router.Handle("PATCH /v1/queues/{id}", api.tenantKey(auth.RoleAdmin, api.patchQueue))
	api.router.Handle("DELETE /v1/queues/{id}", api.tenantKey(auth.RoleAdmin, api.deleteQueue))
}

// queueOut is a queue as the API shows it.
type queueOut struct {
	floor.Queue
	Version int64 `json:"version"`
}

// queueBody is the body of POST /v1/queues and PATCH /v1/queues/{id}: a queue's fields (PATCH
// keeps the ones left out). The times are the API's.
type queueBody struct {
	ID                  string           `json:"id"`
	Name                string           `json:"name"`
	Skills              []string         `json:"skills"`
	BackupSkills        []string         `json:"backup_skills"`
	Priority            int              `json:"priority"`
	TargetSeconds       int              `json:"target_seconds"`
	TargetPercent       int              `json:"target_percent"`
	Overflow            []floor.Overflow `json:"overflow"`
	MaxWaitSeconds      int              `json:"max_wait_seconds"`
	Callback            bool             `json:"callback"`
	OfferTimeoutSeconds int              `json:"offer_timeout_seconds"`
}

func bodyOfQueue(q floor.Queue) queueBody {
	return queueBody{ID: q.ID, Name: q.Name, Skills: q.Skills, BackupSkills: q.BackupSkills, Priority: q.Priority,
		TargetSeconds: q.TargetSeconds, TargetPercent: q.TargetPercent, Overflow: q.Overflow, MaxWaitSeconds: q.MaxWaitSeconds,
		Callback: q.Callback, OfferTimeoutSeconds: q.OfferTimeoutSeconds}
}

func (b queueBody) queue(old floor.Queue) floor.Queue {
	q := old
	q.ID, q.Name, q.Skills, q.BackupSkills, q.Priority = b.ID, strings.TrimSpace(b.Name), b.Skills, b.BackupSkills, b.Priority
	q.TargetSeconds, q.TargetPercent, q.Overflow, q.MaxWaitSeconds = b.TargetSeconds, b.TargetPercent, b.Overflow, b.MaxWaitSeconds
	q.Callback, q.OfferTimeoutSeconds = b.Callback, b.OfferTimeoutSeconds
	if q.Skills == nil {
		q.Skills = []string{}
	}
	return q
}

func queueWhat(id string) string { return fmt.Sprintf("queue %q", id) }

// queuePathID reads {id}; an id that cannot be a queue's is 404, as an unknown one is.
func queuePathID(r *httpapi.Request) (string, error) {
	id := r.Params["id"]
	if !botconfig.ValidID(id) {
		return "", httpapi.Errorf(httpapi.KindNotFound, "no %s", queueWhat(id))
	}
	return id, nil
}

func queueChanged(p auth.Principal, id string, action lxevents.BotConfigAction, version int64) (lxevents.Envelope, error) {
	return configChanged(p, lxevents.BotConfigChange{Kind: lxevents.BotConfigQueue, ID: id, Action: action, Version: version})
}

// checkOverflowQueues refuses overflow steps to queues the tenant does not have (or to itself).
func (api *API) checkOverflowQueues(ctx context.Context, p auth.Principal, q floor.Queue) error {
	var fe []httpapi.FieldError
	for i, o := range q.Overflow {
		if o.ToQueue == "" || !botconfig.ValidID(o.ToQueue) {
			continue // Check reports a bad id
		}
		field := fmt.Sprintf("/overflow/%d/to_queue", i)
		if o.ToQueue == q.ID {
			fe = append(fe, httpapi.FieldError{Field: field, Reason: "must be another queue"})
			continue
		}
		v, err := api.currentVersion(ctx, p.Tenant, floor.QueueKey(o.ToQueue), nil)
		if err != nil {
			return err
		}
		if v == 0 {
			fe = append(fe, httpapi.FieldError{Field: field, Reason: fmt.Sprintf("no queue %q in this tenant", o.ToQueue)})
		}
	}
	if len(fe) > 0 {
		return httpapi.Invalid(fe...)
	}
	return nil
}

func (api *API) createQueue(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	var body queueBody
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	now := api.now().UTC()
	q := body.queue(floor.Queue{CreatedAt: now, UpdatedAt: now})
	if fe := q.Check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if err := api.checkOverflowQueues(ctx, p, q); err != nil {
		return httpapi.Response{}, err
	}
	ev, err := queueChanged(p, q.ID, lxevents.BotConfigPut, 1)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.CreateOp(p.Tenant, floor.QueueKey(q.ID), q)}, ev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict, "%s already exists", queueWhat(q.ID))
		}
		return httpapi.Response{}, fmt.Errorf("create %s: %w", queueWhat(q.ID), err)
	}
	return httpapi.Response{Status: http.StatusCreated, Body: queueOut{Queue: q, Version: 1}, Headers: etag(1)}, nil
}

func (api *API) listQueues(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	return api.listItems(ctx, r, p.Tenant, floor.KindQueue, func(rec store.Record) (any, bool, error) {
		var q floor.Queue
		if err := rec.Decode(&q); err != nil {
			return nil, false, err
		}
		return queueOut{Queue: q, Version: rec.Version}, true, nil
	})
}

func (api *API) getQueue(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	id, err := queuePathID(r)
	if err != nil {
		return httpapi.Response{}, err
	}
	var q floor.Queue
	ver, err := api.getItem(ctx, p.Tenant, floor.QueueKey(id), queueWhat(id), &q)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: queueOut{Queue: q, Version: ver}, Headers: etag(ver)}, nil
}

// loadQueue reads queue id for a write under pc: 404 when absent, 412 when pc names another
// version.
func (api *API) loadQueue(ctx context.Context, r *httpapi.Request, p auth.Principal, out *floor.Queue) (string, precondition, int64, error) {
	id, err := queuePathID(r)
	if err != nil {
		return "", precondition{}, 0, err
	}
	pc, err := preconditions(r)
	if err != nil {
		return "", pc, 0, err
	}
	cur, err := api.loadForWrite(ctx, p.Tenant, floor.QueueKey(id), queueWhat(id), "queues", "POST /v1/queues", pc, out)
	return id, pc, cur, err
}

func (api *API) patchQueue(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := queuePathID(r); err != nil {
		return httpapi.Response{}, err
	}
	var old floor.Queue
	id, pc, cur, err := api.loadQueue(ctx, r, p, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	body := bodyOfQueue(old) // the body's members replace these; the ones left out stay
	if err := r.DecodeJSON(&body); err != nil {
		return httpapi.Response{}, err
	}
	if body.ID != id {
		return httpapi.Response{}, httpapi.Invalid(httpapi.FieldError{Field: "/id", Reason: "must be the path's id (a queue is not renamed)"})
	}
	q := body.queue(old)
	q.UpdatedAt = api.now().UTC()
	if fe := q.Check(); len(fe) > 0 {
		return httpapi.Response{}, httpapi.Invalid(fe...)
	}
	if err := api.checkOverflowQueues(ctx, p, q); err != nil {
		return httpapi.Response{}, err
	}
	ev, err := queueChanged(p, id, lxevents.BotConfigPut, cur+1)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.PutOp(p.Tenant, floor.QueueKey(id), q, cur)}, ev); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, queueWhat(id))
	}
	return httpapi.Response{Status: http.StatusOK, Body: queueOut{Queue: q, Version: cur + 1}, Headers: etag(cur + 1)}, nil
}

func (api *API) deleteQueue(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	if _, err := queuePathID(r); err != nil {
		return httpapi.Response{}, err
	}
	if err := r.NoBody(); err != nil {
		return httpapi.Response{}, err
	}
	var old floor.Queue
	id, pc, cur, err := api.loadQueue(ctx, r, p, &old)
	if err != nil {
		return httpapi.Response{}, err
	}
	if id == botconfig.DefaultQueue {
		return httpapi.Response{}, httpapi.Errorf(httpapi.KindConflict,
			"%s is the default queue: handoffs without another queue, and contacts of deleted queues, go there; it cannot be deleted (change it instead)", queueWhat(id))
	}
	if err := api.queueInUse(ctx, p.Tenant, id); err != nil {
		return httpapi.Response{}, err
	}
	ev, err := queueChanged(p, id, lxevents.BotConfigDelete, 0)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := api.commit.Commit(ctx, []store.Op{store.DeleteOp(p.Tenant, floor.QueueKey(id), cur)}, ev); err != nil {
		return httpapi.Response{}, writeConflict(err, pc, queueWhat(id))
	}
	return httpapi.Response{Status: http.StatusNoContent}, nil
}

// queueInUse refuses (409) deleting queue id while contacts wait in it or other queues overflow to
// it. (A contact queued meanwhile is moved to the default queue by the dispatcher's next
// decision, or by a supervisor's transfer.)
func (api *API) queueInUse(ctx context.Context, t tenant.ID, id string) error {
	if f := api.human.floor; f != nil {
		waiting, err := f.Waiting(ctx, t)
		if err != nil {
			return fmt.Errorf("contacts waiting in %s: %w", queueWhat(id), err)
		}
		n := 0
		for _, c := range waiting {
			if c.Queue == id {
				n++
			}
		}
		if n > 0 {
			return httpapi.Errorf(httpapi.KindConflict, "%d contacts wait in %s: transfer them or let them be answered first", n, queueWhat(id))
		}
	}
	var refs []string
	for rec, err := range store.Records(ctx, api.store, t, floor.KindQueue, "", store.PageRequest{Limit: 100}) {
		if err != nil {
			return fmt.Errorf("queues of %s: %w", t, err)
		}
		var q floor.Queue
		if err := rec.Decode(&q); err != nil {
			return err
		}
		for _, o := range q.Overflow {
			if o.ToQueue == id {
				refs = append(refs, q.ID)
				break
			}
		}
	}
	if len(refs) > 0 {
		return httpapi.Errorf(httpapi.KindConflict, "queues %s overflow to %s: change them first", strings.Join(refs, ", "), queueWhat(id))
	}
	return nil
}
