package voice

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestResampleKeepsToneAndRemovesAlias(t *testing.T) {
	tone := func(freq float64, rate, n int) []int16 {
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(10000 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		}
		return s
	}
	power := func(s []int16) float64 {
		var p float64
		for _, v := range s[len(s)/4 : 3*len(s)/4] { // away from the edges
			p += float64(v) * float64(v)
		}
		return p / float64(len(s)/2)
	}
	in := tone(1000, 22050, 22050)
	out := Resample(in, 22050, 8000)
	if len(out) != 8000 {
		t.Fatalf("len %d, want 8000", len(out))
	}
	if db := 10 * math.Log10(power(out)/power(in)); math.Abs(db) > 0.2 {
		t.Errorf("1 kHz tone changed by %.2f dB", db)
	}
	// 6 kHz is above the 4 kHz Nyquist of the output: it must not fold back to 2 kHz.
	alias := Resample(tone(6000, 22050, 22050), 22050, 8000)
	if db := 10 * math.Log10(power(alias)/power(in)); db > -50 {
		t.Errorf("6 kHz tone leaks at %.1f dB", db)
	}
	up := Resample(tone(1000, 8000, 8000), 8000, 16000)
	if len(up) != 16000 {
		t.Fatalf("upsampled len %d", len(up))
	}
	if db := 10 * math.Log10(power(up)/power(in)); math.Abs(db) > 0.2 {
		t.Errorf("upsampled tone changed by %.2f dB", db)
	}
}

func TestPromptCacheSynthesisesOnceUnderConcurrency(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	s := SynthesizerFunc(func(ctx context.Context, text, lang string) ([]int16, error) {
		calls.Add(1)
		entered <- struct{}{}
		<-release
		return make([]int16, len(text)), nil
	})
	c := NewPromptCache(s, 1<<20)
	const n = 8
	var wg sync.WaitGroup
	results := make([][]int16, n)
	wg.Add(1)
	go func() { // the leader
		defer wg.Done()
		results[0], _ = c.Synthesize(context.Background(), "hello", "en")
	}()
	<-entered // the leader is inside Synthesize: everyone after it must wait on it
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = c.Synthesize(context.Background(), "hello", "en")
		}()
	}
	// Wait until the followers are parked on the in-flight call before releasing the leader.
	for parked := 0; parked < n-1; runtime.Gosched() {
		c.mu.Lock()
		parked = c.inflight[key{"en", "hello"}].waiters
		c.mu.Unlock()
	}
	close(release)
	wg.Wait()
	if got := calls.Load(); got != 1 {
		t.Fatalf("synthesised %d times, want 1", got)
	}
	for i, r := range results {
		if len(r) != 5 {
			t.Fatalf("result %d: %d samples", i, len(r))
		}
	}
}

func TestPromptCacheEvictsLeastRecentlyUsed(t *testing.T) {
	var calls atomic.Int32
	s := SynthesizerFunc(func(ctx context.Context, text, lang string) ([]int16, error) {
		calls.Add(1)
		return make([]int16, 100), nil // 200 bytes each
	})
	c := NewPromptCache(s, 500)
	ctx := context.Background()
	for _, txt := range []string{"a", "b", "a", "c"} { // "b" is least recently used when "c" arrives
		if _, err := c.Synthesize(ctx, txt, "en"); err != nil {
			t.Fatal(err)
		}
	}
	if p, b := c.Len(); p != 2 || b != 400 {
		t.Fatalf("cache holds %d prompts, %d bytes", p, b)
	}
	before := calls.Load()
	c.Synthesize(ctx, "a", "en")
	c.Synthesize(ctx, "c", "en")
	if calls.Load() != before {
		t.Fatal("a or c was evicted")
	}
	c.Synthesize(ctx, "b", "en")
	if calls.Load() != before+1 {
		t.Fatal("b was still cached")
	}
	// Same text, other language: a different prompt.
	c.Synthesize(ctx, "a", "zh")
	if calls.Load() != before+2 {
		t.Fatal("language not part of the key")
	}
}

func TestPromptCacheDoesNotKeepErrors(t *testing.T) {
	fail := errors.New("engine down")
	var calls atomic.Int32
	c := NewPromptCache(SynthesizerFunc(func(ctx context.Context, text, lang string) ([]int16, error) {
		if calls.Add(1) == 1 {
			return nil, fail
		}
		return []int16{1}, nil
	}), 100)
	if _, err := c.Synthesize(context.Background(), "x", "en"); !errors.Is(err, fail) {
		t.Fatalf("err %v", err)
	}
	if pcm, err := c.Synthesize(context.Background(), "x", "en"); err != nil || len(pcm) != 1 {
		t.Fatalf("retry: %v %v", pcm, err)
	}
}

// Regression: the first caller's context bounded a shared synthesis, so when that caller hung up,
// every caller waiting for the same prompt (the greeting, at peak) got its error and heard
// silence.
func TestPromptCacheFirstCallerLeavingFailsNoOne(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	c := NewPromptCache(SynthesizerFunc(func(ctx context.Context, text, lang string) ([]int16, error) {
		started <- struct{}{}
		select {
		case <-release:
			return []int16{1, 2, 3}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}), 1<<20)
	first, leave := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() { _, err := c.Synthesize(first, "您好", "zh"); firstErr <- err }()
	<-started
	second := make(chan error, 1)
	go func() {
		pcm, err := c.Synthesize(context.Background(), "您好", "zh")
		if err == nil && len(pcm) != 3 {
			err = errors.New("wrong audio")
		}
		second <- err
	}()
	for waiting := false; !waiting; { // the second caller waits for the same synthesis
		c.mu.Lock()
		for _, cl := range c.inflight {
			waiting = cl.waiters == 1
		}
		c.mu.Unlock()
		runtime.Gosched()
	}
	leave() // the first caller hangs up while the synthesis runs
	if err := <-firstErr; err == nil {
		t.Fatal("the caller who left got the prompt")
	}
	close(release)
	if err := <-second; err != nil {
		t.Fatalf("a caller still waiting: %v", err)
	}
}
