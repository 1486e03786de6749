package main

import (
	"strings"
	"testing"
	"time"
)

func TestRenderAFQMC(t *testing.T) {
	fold := func(acc float64) afqmcFold {
		return afqmcFold{
			acc:  map[string]float64{"lingxi": acc, "lingxi-bm25": -1, "sklearn-lr-pair": 0.69},
			r1:   map[string]float64{"lingxi": 0.2, "lingxi-bm25": 0.18, "sklearn-lr-pair": -1},
			r5:   map[string]float64{"lingxi": 0.5, "lingxi-bm25": 0.46, "sklearn-lr-pair": -1},
			secs: map[string]float64{"lingxi": 10, "sklearn-lr-pair": 3},
		}
	}
	got := renderAFQMC(config{folds: 2, seed: 1}, []afqmcFold{fold(0.70), fold(0.72)}, [2]int{100, 100}, 200, time.Second)
	for _, want := range []string{
		afqmcHeading + "\n",
		"| lingxi | 71.00 ± 1.41 | 20.00 ± 0.00 | 50.00 ± 0.00 | 10.0 |",
		"| lingxi-bm25 | – | 18.00 ± 0.00 | 46.00 ± 0.00 | – |",
		"| sklearn-lr-pair | 69.00 ± 0.00 | – | – | 3.0 |",
		"- lingxi: 0.7000, 0.7200",
		"go run ./infra/bench -only afqmc -folds 2",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "sklearn-bm25 |") {
		t.Error("a system without figures has a row")
	}
}
