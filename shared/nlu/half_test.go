package nlu

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestHalfRoundTrip(t *testing.T) {
	exact := []float32{0, 1, -1, 0.5, 2048, -0.25, 65504, 6.103515625e-05, 5.960464477539063e-08}
	for _, f := range exact {
		if got := fromHalf(toHalf(f)); got != f {
			t.Errorf("%g -> %g", f, got)
		}
	}
	if got := fromHalf(toHalf(1e6)); !math.IsInf(float64(got), 1) {
		t.Errorf("1e6 -> %g, want +Inf", got)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		f := float32(rng.NormFloat64())
		h := fromHalf(toHalf(f))
		if d := math.Abs(float64(h - f)); d > math.Abs(float64(f))/1024 {
			t.Fatalf("%g -> %g: error %g too large", f, h, d)
		}
		if fromHalf(toHalf(h)) != h {
			t.Fatalf("%g not stable", h)
		}
	}
}
