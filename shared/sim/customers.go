package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// customer is one voice caller, drawn before any policy runs.
type customer struct {
	at       float64 // arrival, seconds from the scenario's start
	handle   float64 // handle time, seconds
	patience float64 // seconds the caller waits before abandoning
	// Uniform draws in [0, 1) deciding, whatever the policy: whether Divert offers self-service
	// (uOffer < DivertShare, the media edge's stable hash of the call id), whether the caller can
	// use it (uDivertible < Divertible), which channel (uChannel < ChatShare: chat), whether a
	// callback offer is accepted, whether the bot resolves the call, whether a caller told a
	// long wait balks.
	uOffer, uDivertible, uChannel, uCallback, uBot, uBalk float64
}

// Random streams, one per quantity, so that changing how one is used leaves the others alone.
const (
	streamArrivals = iota + 1
	streamHandle
	streamPatience
	streamUniform
)

// drawer draws customers' attributes, one stream per quantity.
type drawer struct {
	ra, rh, rp, ru   *rand.Rand
	mu, sigma, pMean float64
}

func newDrawer(handleMean, handleCV, patienceMean float64, seed uint64) *drawer {
	sigma2 := math.Log(1 + handleCV*handleCV)
	return &drawer{
		ra:    rand.New(rand.NewPCG(seed, streamArrivals)),
		rh:    rand.New(rand.NewPCG(seed, streamHandle)),
		rp:    rand.New(rand.NewPCG(seed, streamPatience)),
		ru:    rand.New(rand.NewPCG(seed, streamUniform)),
		mu:    math.Log(handleMean) - sigma2/2,
		sigma: math.Sqrt(sigma2),
		pMean: patienceMean,
	}
}

func (d *drawer) customer(at float64) customer {
	return customer{
		at:          at,
		handle:      math.Max(1, math.Exp(d.mu+d.sigma*d.rh.NormFloat64())),
		patience:    d.pMean * d.rp.ExpFloat64(),
		uOffer:      d.ru.Float64(),
		uDivertible: d.ru.Float64(),
		uChannel:    d.ru.Float64(),
		uCallback:   d.ru.Float64(),
		uBot:        d.ru.Float64(),
		uBalk:       d.ru.Float64(),
	}
}

// drawCustomers draws the callers of a scenario: a Poisson process of constant rate inside each
// interval (Arrivals[i] expected in interval i), lognormal handle times of the given mean and
// coefficient of variation, exponential patience.
func drawCustomers(arrivals []float64, interval time.Duration, handleMean, handleCV, patienceMean float64, seed uint64) []customer {
	d := newDrawer(handleMean, handleCV, patienceMean, seed)
	length := interval.Seconds()
	var total float64
	for _, a := range arrivals {
		total += a
	}
	out := make([]customer, 0, int(total*1.05)+16)
	for i, a := range arrivals {
		if a <= 0 {
			continue
		}
		from, rate := float64(i)*length, a/length
		for t := from + d.ra.ExpFloat64()/rate; t < from+length; t += d.ra.ExpFloat64() / rate {
			out = append(out, d.customer(t))
		}
	}
	return out
}

// drawWaiting draws n callers already waiting at the start (time 0).
func drawWaiting(n int, handleMean, handleCV, patienceMean float64, seed uint64) []customer {
	d := newDrawer(handleMean, handleCV, patienceMean, seed)
	out := make([]customer, n)
	for i := range out {
		out[i] = d.customer(0)
	}
	return out
}
