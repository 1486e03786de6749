package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/lingxi/lingxi/shared/spikes"
)

// flatTopic is n days of 5-minute intervals from Monday 2003-03-03, 20 calls every interval
// from 08:00 to 18:00 and none otherwise.
func flatTopic(days int) vsTopic {
	t := vsTopic{name: "t", bank: vsBanks[0], start: time.Date(2003, 3, 3, 0, 0, 0, 0, time.UTC), step: 5 * time.Minute}
	for i := range days * 288 {
		at := t.start.Add(time.Duration(i) * t.step)
		v := 0.0
		if at.Hour() >= 8 && at.Hour() < 18 {
			v = 20
		}
		t.counts = append(t.counts, v)
		t.open = append(t.open, true)
	}
	return t
}

func TestPeerAlertsOnePerRise(t *testing.T) {
	tp := flatTopic(1)
	fire := []bool{false, true, true, false, true, false, false, false, true}
	got := peerAlerts(tp, tp.counts, 0, len(fire), func(i int) bool { return fire[i] })
	// Fires at 1–2, a one-interval gap (still open), quiet twice at 5–6, fires again at 8.
	want := []time.Time{tp.start.Add(2 * tp.step), tp.start.Add(9 * tp.step)}
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("alerts %v, want %v", got, want)
	}
}

func TestThinKeepsTheShare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sum float64
	for range 1000 {
		sum += thin(rng, 100, 0.25)
	}
	if m := sum / 1000; math.Abs(m-25) > 1 {
		t.Errorf("mean %v of 25%% of 100, want about 25", m)
	}
	if thin(rng, 7.5, 1) != 7.5 {
		t.Error("share 1 changed the count")
	}
}

// On a flat series, a 3× rise is seen by ours within its first interval (checks each minute)
// and nothing is seen on the series as it was.
func TestOursMinute(t *testing.T) {
	tp := flatTopic(9 * 7)
	week := tp.start.AddDate(0, 0, 8*7)
	cfg := spikes.Config{Interval: tp.step, Window: spikes.DefaultWindow}
	b := spikes.Learn(tp.history(week), cfg)
	lo, hi := tp.index(week), tp.index(week.AddDate(0, 0, 7))
	rng := rand.New(rand.NewPCG(3, 4))
	if al := oursMinute(b, tp, tp.counts, lo, hi, cfg, rng); len(al) != 0 {
		t.Errorf("alerts on the flat week: %v", al)
	}
	on := tp.index(week.Add(34 * time.Hour)) // Tuesday 10:00
	counts := slices.Clone(tp.counts)
	for i := on; i < on+12; i++ {
		counts[i] *= 3
	}
	al := oursMinute(b, tp, counts, on, on+12, cfg, rng)
	onset := tp.start.Add(time.Duration(on) * tp.step)
	if len(al) != 1 || al[0].Sub(onset) > tp.step {
		t.Errorf("alerts %v for a 3× rise from %v, want one within 5 minutes", al, onset)
	}
}
