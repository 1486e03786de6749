package vad

import "math"

// Segment is one stretch of speech in milliseconds from the start of the audio.
type Segment struct {
	StartMS int64 `json:"start_ms"`
	EndMS   int64 `json:"end_ms"`
}

// Segments runs the detector over a whole recording (8 kHz mono, no prompt) and returns the
// speech it finds; speech still going at the end is closed at the last frame.
func Segments(pcm []int16, c Config) []Segment {
	c.BargeIn.Disabled = true
	d := NewDetector(c)
	var segs []Segment
	var frame [FrameSamples]int16
	for off := 0; off < len(pcm); off += FrameSamples {
		n := copy(frame[:], pcm[off:])
		clear(frame[n:])
		if ev := d.Push(&frame, nil); ev.Kind == SpeechEnd {
			segs = append(segs, Segment{ev.StartMS, ev.EndMS})
		}
	}
	if ev := d.EndNow(); ev.Kind == SpeechEnd {
		segs = append(segs, Segment{ev.StartMS, min(ev.EndMS, int64(len(pcm))*1000/8000)})
	}
	return segs
}

// BaselineEnergySegments is the energy-threshold baseline the bench compares against: a frame is
// speech when its power exceeds thresholdDBFS (−40 dBFS when 0), with the same MinSpeech and
// EndSilence hangover as the detector but no noise tracking or spectral model.
func BaselineEnergySegments(pcm []int16, c Config, thresholdDBFS float64) []Segment {
	c = c.withDefaults()
	if thresholdDBFS == 0 {
		thresholdDBFS = -40
	}
	thr := 32768 * 32768 * math.Pow(10, thresholdDBFS/10)
	minF, endF := int64(frames(c.MinSpeech)), int64(frames(c.EndSilence))
	var segs []Segment
	var run, start, last int64
	in := false
	nf := int64((len(pcm) + FrameSamples - 1) / FrameSamples)
	for t := range nf {
		var p float64
		seg := pcm[t*FrameSamples : min(int(t+1)*FrameSamples, len(pcm))]
		for _, s := range seg {
			p += float64(s) * float64(s)
		}
		loud := p/FrameSamples > thr
		switch {
		case in && loud:
			last = t
		case in && t-last >= endF:
			segs = append(segs, Segment{start * frameMS, (last + 1) * frameMS})
			in = false
		case !in && loud:
			run++
			if run >= minF {
				in, start, last, run = true, t-run+1, t, 0
			}
		case !in:
			run = 0
		}
	}
	if in {
		segs = append(segs, Segment{start * frameMS, (last + 1) * frameMS})
	}
	return segs
}

func dbToPower(db float64) float64 { return math.Pow(10, db/10) }
