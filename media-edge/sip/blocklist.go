package sip

import (
	"net/netip"
	"sync"
	"time"
)

// maxTracked bounds the sources the blocklist remembers.
const maxTracked = 4096

// maxBlockedReports bounds the refusals of one blocked source that are reported as events in one
// block period: each costs a number lookup and an event, which a source kept blocked must not be
// able to make the edge spend at its sending rate.
const maxBlockedReports = 10

// blocklist counts authorisation failures per source IP and blocks a source that fails too often.
// It is bounded: when full it forgets expired entries first, then any unblocked one.
type blocklist struct {
	limit  int
	window time.Duration
	block  time.Duration

	mu sync.Mutex
	m  map[netip.Addr]*failures
}

type failures struct {
	n            int
	since        time.Time
	blockedUntil time.Time
	// reported counts the refusals reported since the block began.
	reported int
}

func newBlocklist(limit int, window, block time.Duration) *blocklist {
	return &blocklist{limit: limit, window: window, block: block, m: make(map[netip.Addr]*failures)}
}

// blocked reports whether src is blocked at now.
func (b *blocklist) blocked(src netip.Addr, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.m[src.Unmap()]
	return f != nil && now.Before(f.blockedUntil)
}

// fail records a failure of src and reports whether src is now blocked.
func (b *blocklist) fail(src netip.Addr, now time.Time) bool {
	src = src.Unmap()
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.m[src]
	if f == nil {
		if len(b.m) >= maxTracked {
			b.evict(now)
		}
		f = &failures{since: now}
		b.m[src] = f
	}
	if now.Sub(f.since) > b.window {
		f.n, f.since = 0, now
	}
	f.n++
	if f.n >= b.limit {
		f.blockedUntil = now.Add(b.block)
		f.n, f.since, f.reported = 0, now, 0
	}
	return now.Before(f.blockedUntil)
}

// report reports whether a refusal of the blocked source src is to be reported: the first
// maxBlockedReports of each block period are.
func (b *blocklist) report(src netip.Addr) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.m[src.Unmap()]
	if f == nil || f.reported >= maxBlockedReports {
		return false
	}
	f.reported++
	return true
}

// succeed forgets the failures of src (a blocked source stays blocked).
func (b *blocklist) succeed(src netip.Addr, now time.Time) {
	src = src.Unmap()
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.m[src]; f != nil && !now.Before(f.blockedUntil) {
		delete(b.m, src)
	}
}

// evict makes room; b.mu is held.
func (b *blocklist) evict(now time.Time) {
	for k, f := range b.m {
		if !now.Before(f.blockedUntil) && now.Sub(f.since) > b.window {
			delete(b.m, k)
		}
	}
	for k, f := range b.m {
		if len(b.m) < maxTracked {
			return
		}
		if !now.Before(f.blockedUntil) {
			delete(b.m, k)
		}
	}
	for k := range b.m {
		if len(b.m) < maxTracked {
			return
		}
		delete(b.m, k)
	}
}

// size is the number of sources remembered.
func (b *blocklist) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}
