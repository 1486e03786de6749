package vad_test

import (
	"testing"
	"time"

	"github.com/lingxi/lingxi/media-edge/voice/vad"
	"github.com/lingxi/lingxi/media-edge/voice/vad/vadbench"
)

// push feeds pcm frame by frame (no prompt) and returns the events with the frame index they came at.
func push(d *vad.Detector, pcm []int16) (evs []vad.Event, at []int) {
	for i := 0; i+vad.FrameSamples <= len(pcm); i += vad.FrameSamples {
		if ev := d.Push((*[vad.FrameSamples]int16)(pcm[i:]), nil); ev.Kind != vad.None {
			evs, at = append(evs, ev), append(at, i/vad.FrameSamples)
		}
	}
	return evs, at
}

// oneUtterance is 1 s of quiet line noise, one FSDD digit, then 1.5 s of the same noise.
func oneUtterance(t *testing.T) (pcm []int16, start, end int64) {
	c := vadbench.BuildClips(fsdd(t), "white", 30, 4)[0]
	u := c.Truth[0]
	return c.PCM[:(u.EndMS+1500)*8], u.StartMS, u.EndMS
}

func TestEndpointingWaitsForEndSilence(t *testing.T) {
	pcm, start, end := oneUtterance(t)
	for _, es := range []time.Duration{300 * time.Millisecond, 700 * time.Millisecond} {
		d := vad.NewDetector(vad.Config{EndSilence: es})
		evs, at := push(d, pcm)
		if len(evs) != 2 || evs[0].Kind != vad.SpeechStart || evs[1].Kind != vad.SpeechEnd {
			t.Fatalf("end silence %v: events %v", es, evs)
		}
		if e := evs[0].StartMS - start; e < -40 || e > 60 {
			t.Errorf("start %d ms, truth %d", evs[0].StartMS, start)
		}
		if e := evs[1].EndMS - end; e < -100 || e > 60 {
			t.Errorf("end %d ms, truth %d", evs[1].EndMS, end)
		}
		// SpeechEnd comes EndSilence after the speech's own end, not before.
		if lag := time.Duration(int64(at[1]+1)*20-evs[1].EndMS) * time.Millisecond; lag < es || lag > es+40*time.Millisecond {
			t.Errorf("end silence %v: SpeechEnd raised %v after the speech ended", es, lag)
		}
		if n := len(d.Utterance()); n < int(end-start)*8 {
			t.Errorf("utterance %d samples, speech was %d", n, (end-start)*8)
		}
	}
}

func TestEndNowEndsAtOnce(t *testing.T) {
	pcm, start, end := oneUtterance(t)
	d := vad.NewDetector(vad.Config{})
	mid := int((start + end) / 2 * 8)
	evs, _ := push(d, pcm[:mid/vad.FrameSamples*vad.FrameSamples])
	if len(evs) != 1 || evs[0].Kind != vad.SpeechStart || !d.Speaking() {
		t.Fatalf("events %v before EndNow", evs)
	}
	ev := d.EndNow()
	if ev.Kind != vad.SpeechEnd || ev.EndMS < (start+end)/2-20 || ev.EndMS > (start+end)/2+20 {
		t.Fatalf("EndNow gave %v, mid-utterance at %d ms", ev, (start+end)/2)
	}
	if len(d.Utterance()) == 0 || d.Speaking() {
		t.Fatal("no utterance after EndNow")
	}
	if ev := d.EndNow(); ev.Kind != vad.None {
		t.Fatalf("second EndNow: %v", ev)
	}
	// The rest of the digit must not start a new utterance at once: it continues to be speech
	// after a hard end, so a new SpeechStart is allowed only once MinSpeech of it is seen again.
	rest, _ := push(d, pcm[mid/vad.FrameSamples*vad.FrameSamples:])
	for _, e := range rest {
		if e.Kind == vad.BargeIn {
			t.Fatalf("barge-in without a prompt: %v", rest)
		}
	}
}

func TestMaxSpeechBoundsAnUtterance(t *testing.T) {
	c := vadbench.BuildClips(fsdd(t), "white", 20, 5)[0]
	// A long run of speech: the clip's digits back to back with no gaps.
	var long []int16
	for _, u := range c.Truth {
		long = append(long, c.PCM[u.StartMS*8:u.EndMS*8]...)
	}
	d := vad.NewDetector(vad.Config{MaxSpeech: time.Second})
	evs, _ := push(d, append(make([]int16, 8000), long...))
	var ends int
	for _, e := range evs {
		if e.Kind == vad.SpeechEnd {
			ends++
			if e.EndMS-e.StartMS > 1000 {
				t.Errorf("utterance of %d ms with MaxSpeech 1 s", e.EndMS-e.StartMS)
			}
		}
	}
	if ends < 2 {
		t.Fatalf("events %v", evs)
	}
	if n := len(d.Utterance()); n > 8000+8000/5 {
		t.Errorf("utterance buffer %d samples", n)
	}
}

func TestResetRestartsStreamTime(t *testing.T) {
	pcm, start, _ := oneUtterance(t)
	d := vad.NewDetector(vad.Config{})
	first, _ := push(d, pcm)
	d.Reset()
	if d.Utterance() != nil || d.Speaking() {
		t.Fatal("Reset kept state")
	}
	second, _ := push(d, pcm)
	if len(first) != 2 || len(second) != 2 || first[0] != second[0] || first[1] != second[1] {
		t.Fatalf("before reset %v, after %v (speech at %d ms)", first, second, start)
	}
}

func TestSilenceAndDigitalZeroRaiseNothing(t *testing.T) {
	d := vad.NewDetector(vad.Config{})
	if evs, _ := push(d, make([]int16, 8000*5)); len(evs) != 0 {
		t.Fatalf("digital silence: %v", evs)
	}
	if segs := vad.Segments(nil, vad.Config{}); len(segs) != 0 {
		t.Fatalf("no audio: %v", segs)
	}
}
