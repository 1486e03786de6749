package handler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	lxevents "github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/store"
)

// pairBarrier holds every revocation's commit until the other revocation of the same tenant has
// reached its commit too: both requests have read the tenant's keys before either writes, which is
// the race that locked tenants out.
type pairBarrier struct {
	next Committer
	mu   sync.Mutex
	wait map[string]chan struct{} // tenant → closed when its pair is complete
	met  map[string]bool          // tenant → both revocations reached their commit together
}

func (b *pairBarrier) Commit(ctx context.Context, ops []store.Op, evs ...lxevents.Envelope) error {
	if len(evs) == 0 || evs[0].Type != lxevents.TypeAPIKeyRevoked {
		return b.next.Commit(ctx, ops, evs...)
	}
	t := evs[0].Tenant
	b.mu.Lock()
	ch, second := b.wait[t]
	if !second {
		ch = make(chan struct{})
		b.wait[t] = ch
	} else {
		b.met[t] = true
		close(ch)
	}
	b.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.next.Commit(ctx, ops, evs...)
}

// TestConcurrentAdminRevocationsKeepOneAdmin pins issue 7 defect 1: two admin keys of a tenant
// revoking each other at the same moment both passed the "not the last admin key" check and both
// deletes committed, leaving the tenant with no admin key. The commits of each pair are held until
// both requests reached them (the test fails if a pair never met), for many tenants at once.
func TestConcurrentAdminRevocationsKeepOneAdmin(t *testing.T) {
	e := newEnv(t)
	barrier := &pairBarrier{next: e.api.commit, wait: map[string]chan struct{}{}, met: map[string]bool{}}
	e.api.commit = barrier
	const tenants = 8
	type pair struct{ tenant, keyA, idA, keyB, idB string }
	pairs := make([]pair, tenants)
	for i := range pairs {
		id := fmt.Sprintf("race-%d", i)
		keyA := e.createTenant(t, id)
		_, list := e.do(t, "GET", "/v1/api-keys", keyA, "")
		idA := list["items"].([]any)[0].(map[string]any)["id"].(string)
		code, body := e.do(t, "POST", "/v1/api-keys", keyA, `{"name":"second","role":"admin"}`)
		if code != 201 {
			t.Fatalf("second admin key: %d %v", code, body)
		}
		pairs[i] = pair{id, keyA, idA, body["key"].(string), body["id"].(string)}
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // only bounds a hang: no timed assertion
	defer cancel()
	var wg sync.WaitGroup
	codes := make([][2]int, tenants)
	start := make(chan struct{})
	for i, p := range pairs {
		for j, rev := range [2][2]string{{p.keyA, p.idB}, {p.keyB, p.idA}} {
			wg.Go(func() {
				<-start
				r := e.callCtx(t, ctx, "DELETE", "/v1/api-keys/"+rev[1], rev[0], "")
				codes[i][j] = r.status
			})
		}
	}
	close(start)
	wg.Wait()

	for i, p := range pairs {
		if !barrier.met[p.tenant] {
			t.Fatalf("%s: the two revocations never reached their commits together (codes %v): the race did not happen", p.tenant, codes[i])
		}
		admins := 0
		for _, key := range []string{p.keyA, p.keyB} {
			code, list := e.do(t, "GET", "/v1/api-keys", key, "")
			if code != 200 {
				continue // this key was revoked
			}
			for _, it := range list["items"].([]any) {
				if it.(map[string]any)["role"] == "admin" {
					admins++
				}
			}
			break
		}
		if admins != 1 {
			t.Errorf("%s: %d admin keys left after the race (revocations answered %v), want 1", p.tenant, admins, codes[i])
		}
		if c := codes[i]; !(c == [2]int{204, 409} || c == [2]int{409, 204}) {
			t.Errorf("%s: revocations answered %v, want one 204 and one 409", p.tenant, c)
		}
	}
}
