package main

import (
	"math"
	"testing"
)

// The expected NMI and ARI are scikit-learn 1.2's normalized_mutual_info_score
// and adjusted_rand_score on the same labels.
func TestClusterScores(t *testing.T) {
	truth := []string{"a", "a", "a", "b", "b", "b", "c", "c"}
	pred := []string{"1", "1", "2", "2", "2", "2", "3", "4"}
	nmi, ari, purity := clusterScores(truth, pred)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"nmi", nmi, 0.6980018100523221},
		{"ari", ari, 0.42857142857142855},
		// Clusters 1 {a,a}, 2 {a,b,b,b}, 3 {c}, 4 {c}: 2 + 3 + 1 + 1 of 8.
		{"purity", purity, 7.0 / 8},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s %v, want %v", c.name, c.got, c.want)
		}
	}
	if nmi, ari, purity := clusterScores(truth, truth); math.Abs(nmi-1) > 1e-12 || math.Abs(ari-1) > 1e-12 || purity != 1 {
		t.Errorf("identical labels: nmi %v ari %v purity %v", nmi, ari, purity)
	}
}
