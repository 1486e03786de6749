package vad_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/media-edge/voice/vad/vadbench"
)

const (
	FrameSamples = vad.FrameSamples
	frameMS      = 20
)

var clip16, rms = vadbench.Clip16, vadbench.RMS

// line simulates the caller's side of a call: what the edge plays comes back as an echo (delayed,
// low-passed, attenuated) mixed with line noise and, from a given sample on, the caller's voice.
type line struct {
	delay int     // echo delay in samples
	gain  float64 // echo gain (linear)
	noise float64 // line noise RMS
	rng   *rand.Rand
	sent  []float64 // everything played so far
}

func (l *line) hear(played *[FrameSamples]int16, caller []int16) *[FrameSamples]int16 {
	var out [FrameSamples]int16
	for i := range FrameSamples {
		var p float64
		if played != nil {
			p = float64(played[i])
		}
		l.sent = append(l.sent, p)
		n := len(l.sent) - 1 - l.delay
		var echo float64
		for k, h := range [...]float64{0.25, 0.5, 0.25} { // the hybrid's low-pass
			if n-k >= 0 {
				echo += h * l.sent[n-k]
			}
		}
		v := l.gain*echo + l.noise*l.rng.NormFloat64()
		if i < len(caller) {
			v += float64(caller[i])
		}
		out[i] = clip16(v)
	}
	return &out
}

// prompt is six seconds of one speaker's digits, back to back with short pauses, at about −20 dBFS.
func prompt(t testing.TB) []int16 {
	all := fsdd(t)
	var p []int16
	for len(p) < 6*8000 {
		for _, u := range all["theo"] {
			g := 3300 / rms(u)
			for _, s := range u {
				p = append(p, clip16(g*float64(s)))
			}
			p = append(p, make([]int16, 800)...)
		}
	}
	return p[:6*8000]
}

type bargeCase struct {
	delayMS int
	echoDB  float64
}

var bargeCases = []bargeCase{{20, -6}, {40, -10}, {60, -15}, {30, -8}, {50, -12}}

func TestEchoAloneRaisesNothing(t *testing.T) {
	p := prompt(t)
	for _, bc := range bargeCases {
		t.Run(fmt.Sprintf("%dms/%gdB", bc.delayMS, bc.echoDB), func(t *testing.T) {
			l := &line{delay: bc.delayMS * 8, gain: math.Pow(10, bc.echoDB/20), noise: 10, rng: rand.New(rand.NewPCG(1, 2))}
			d := vad.NewDetector(vad.Config{})
			var f [FrameSamples]int16
			for off := 0; off+FrameSamples <= len(p)+8000; off += FrameSamples {
				played := (*[FrameSamples]int16)(nil)
				if off+FrameSamples <= len(p) {
					copy(f[:], p[off:])
					played = &f
				}
				if ev := d.Push(l.hear(played, nil), played); ev.Kind != vad.None {
					t.Fatalf("%v at %d ms from the prompt's echo alone", ev, off/8)
				}
			}
		})
	}
}

func TestBargeInOverPrompt(t *testing.T) {
	p := prompt(t)
	all := fsdd(t)
	for i, bc := range bargeCases {
		for _, spk := range []string{"george", "jackson", "nicolas"} {
			utt := all[spk][(i*3+len(spk))%10]
			g := 3300 / rms(utt) // the caller as loud as the prompt: 6–15 dB above its echo
			caller := make([]int16, len(utt))
			for j, s := range utt {
				caller[j] = clip16(g * float64(s))
			}
			startAt := 2000 + 400*i // ms into the prompt
			t.Run(fmt.Sprintf("%dms/%gdB/%s", bc.delayMS, bc.echoDB, spk), func(t *testing.T) {
				l := &line{delay: bc.delayMS * 8, gain: math.Pow(10, bc.echoDB/20), noise: 10, rng: rand.New(rand.NewPCG(3, 4))}
				d := vad.NewDetector(vad.Config{})
				var f [FrameSamples]int16
				playing := true
				raisedAt := 0
				var got []vad.Event
				for off := 0; off+FrameSamples <= len(p)+16000; off += FrameSamples {
					played := (*[FrameSamples]int16)(nil)
					if playing && off+FrameSamples <= len(p) {
						copy(f[:], p[off:])
						played = &f
					}
					var c []int16
					if u := off - startAt*8; u+FrameSamples > 0 && u < len(caller) {
						c = make([]int16, FrameSamples)
						for j := range c {
							if u+j >= 0 && u+j < len(caller) {
								c[j] = caller[u+j]
							}
						}
					}
					ev := d.Push(l.hear(played, c), played)
					if ev.Kind == vad.None {
						continue
					}
					got = append(got, ev)
					if ev.Kind == vad.BargeIn {
						raisedAt = off/8 + frameMS
						playing = false // the edge stops the prompt
					}
				}
				if len(got) != 2 || got[0].Kind != vad.BargeIn || got[1].Kind != vad.SpeechEnd {
					t.Fatalf("events %v, want barge-in then speech-end", got)
				}
				truthEnd := int64(startAt) + int64(len(utt))/8
				t.Logf("barge-in raised %d ms after the caller started, dated %+d ms", raisedAt-startAt, got[0].StartMS-int64(startAt))
				if e := got[0].StartMS - int64(startAt); e < -100 || e > 200 {
					t.Errorf("barge-in dated %d ms, caller started at %d ms", got[0].StartMS, startAt)
				}
				if e := got[1].EndMS - truthEnd; e < -300 || e > 150 {
					t.Errorf("speech end %d ms, caller stopped at %d ms", got[1].EndMS, truthEnd)
				}
				if n := len(d.Utterance()); n < len(utt) {
					t.Errorf("utterance %d samples, the caller said %d", n, len(utt))
				}
			})
		}
	}
}
