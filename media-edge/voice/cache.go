package voice

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// PromptCache keeps synthesised prompts by language and text, least recently used first out when
// the audio held passes maxBytes. Concurrent requests for the same prompt synthesise it once: the
// others wait for that result (or their own context).
type PromptCache struct {
	s        Synthesizer
	maxBytes int

	mu       sync.Mutex
	bytes    int
	lru      *list.List // of *entry, most recent at the front
	entries  map[key]*list.Element
	inflight map[key]*call
}

type key struct{ lang, text string }

type entry struct {
	k   key
	pcm []int16
}

type call struct {
	done    chan struct{}
	pcm     []int16
	err     error
	waiters int // callers parked on this one (under mu), for tests that need them parked
}

var _ Synthesizer = (*PromptCache)(nil)

// NewPromptCache puts a cache of at most maxBytes of audio in front of s.
func NewPromptCache(s Synthesizer, maxBytes int) *PromptCache {
	return &PromptCache{s: s, maxBytes: maxBytes, lru: list.New(), entries: map[key]*list.Element{}, inflight: map[key]*call{}}
}

// Synthesize returns the cached audio for (text, lang), synthesising it on a miss. The returned
// slice is shared: callers must not modify it.
func (c *PromptCache) Synthesize(ctx context.Context, text, lang string) ([]int16, error) {
	k := key{lang, text}
	c.mu.Lock()
	if el, ok := c.entries[k]; ok {
		c.lru.MoveToFront(el)
		pcm := el.Value.(*entry).pcm
		c.mu.Unlock()
		return pcm, nil
	}
	if cl, ok := c.inflight[k]; ok {
		cl.waiters++
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.pcm, cl.err
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	cl := &call{done: make(chan struct{})}
	c.inflight[k] = cl
	c.mu.Unlock()

	// The synthesis is shared: it runs under its own bound, not the first caller's context, so a
	// caller who hangs up (or gives up waiting) never fails the others waiting for the same
	// prompt. Each caller stops waiting when its own context ends.
	go c.synthesize(context.WithoutCancel(ctx), k, cl)
	select {
	case <-cl.done:
		return cl.pcm, cl.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// SynthesisTimeout bounds one shared synthesis.
const SynthesisTimeout = 30 * time.Second

func (c *PromptCache) synthesize(ctx context.Context, k key, cl *call) {
	ctx, cancel := context.WithTimeout(ctx, SynthesisTimeout)
	defer cancel()
	cl.pcm, cl.err = c.s.Synthesize(ctx, k.text, k.lang)

	c.mu.Lock()
	delete(c.inflight, k)
	if cl.err == nil {
		c.add(k, cl.pcm)
	}
	c.mu.Unlock()
	close(cl.done)
}

// Len reports how many prompts are cached and the bytes of audio they hold.
func (c *PromptCache) Len() (prompts, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

func (c *PromptCache) add(k key, pcm []int16) {
	size := 2 * len(pcm)
	if size > c.maxBytes {
		return
	}
	c.entries[k] = c.lru.PushFront(&entry{k, pcm})
	c.bytes += size
	for c.bytes > c.maxBytes {
		el := c.lru.Back()
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.entries, e.k)
		c.bytes -= 2 * len(e.pcm)
	}
}
