package media

import (
	"sync"
	"sync/atomic"
)

// Source is audio to play, pulled one 20 ms frame per tick by the session's ticker (never
// concurrently). Next fills the whole frame (padding with silence) and reports true, or reports
// false when the source is finished (buf is then ignored). Prompts are slices (PCM); a transfer
// bridge is a live source.
type Source interface {
	Next(buf *[FrameSamples]int16) bool
}

// PCM plays samples (8 kHz, 16-bit linear) once, the last frame padded with silence. The slice
// is only read, so one cached prompt may play in many calls at once.
func PCM(samples []int16) Source { return &pcmSource{s: samples} }

type pcmSource struct {
	s   []int16
	off int
}

func (p *pcmSource) Next(buf *[FrameSamples]int16) bool {
	if p.off >= len(p.s) {
		return false
	}
	n := copy(buf[:], p.s[p.off:])
	clear(buf[n:])
	p.off += n
	return true
}

// SourceFunc adapts a function to Source.
type SourceFunc func(buf *[FrameSamples]int16) bool

// Next calls f.
func (f SourceFunc) Next(buf *[FrameSamples]int16) bool { return f(buf) }

// Playback is one Source being played.
type Playback struct {
	s           *Session
	src         Source
	done        chan struct{}
	once        sync.Once
	interrupted atomic.Bool
}

// Done is closed when the playback ends: its source finished, it was stopped or replaced, or the
// session ended.
func (p *Playback) Done() <-chan struct{} { return p.done }

// Interrupted reports, once Done is closed, whether the playback ended before its source
// finished (Stop, StopPlayback, a later Play, the end of the session).
func (p *Playback) Interrupted() bool { return p.interrupted.Load() }

// Stop ends the playback if it is still playing. The ticker may already be sending the frame it
// pulled last (at most one more frame goes out).
func (p *Playback) Stop() {
	p.s.mu.Lock()
	if p.s.playing == p {
		p.s.playing = nil
	}
	p.s.mu.Unlock()
	p.finish(true)
}

func (p *Playback) finish(interrupted bool) {
	p.once.Do(func() {
		p.interrupted.Store(interrupted)
		close(p.done)
	})
}

// liveDepth bounds a Live source: 3 frames (60 ms) of slack between two sessions' tickers.
const liveDepth = 3

// Live is a Source fed frame by frame by another goroutine: a transfer bridge plays one leg's
// Caller frames to the other leg. The two legs' tickers are independent, so it keeps at most
// liveDepth frames (a push beyond drops the oldest: latency stays bounded), and plays silence
// when nothing is queued. Next reports false once Close was called and the queue is empty.
type Live struct {
	mu     sync.Mutex
	q      [liveDepth][FrameSamples]int16
	head   int
	n      int
	closed bool
	// Dropped counts frames dropped because the reader fell behind.
	dropped uint64
}

// NewLive returns an empty live source.
func NewLive() *Live { return &Live{} }

// Push queues one frame.
func (l *Live) Push(f *[FrameSamples]int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if l.n == liveDepth {
		l.head = (l.head + 1) % liveDepth
		l.n--
		l.dropped++
	}
	l.q[(l.head+l.n)%liveDepth] = *f
	l.n++
}

// Close ends the source once what is queued has played.
func (l *Live) Close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

// Dropped is the frames pushed that were never played.
func (l *Live) Dropped() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// Next plays the oldest queued frame, or silence.
func (l *Live) Next(buf *[FrameSamples]int16) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == 0 {
		*buf = [FrameSamples]int16{}
		return !l.closed
	}
	*buf = l.q[l.head]
	l.head = (l.head + 1) % liveDepth
	l.n--
	return true
}
