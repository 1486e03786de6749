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
