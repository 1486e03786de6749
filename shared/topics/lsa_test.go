package topics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// On a matrix of rank below k the randomized SVD is exact: its rows'
// cosines equal those of the exact SVD's U_k Σ_k, which for full rank are
// the cosines of the rows themselves.
func TestLSAMatchesExactSVD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, dim, rank = 40, 30, 5
	basis := mat.NewDense(rank, dim, nil)
	for i := range rank {
		for j := range dim {
			if r.Float64() < 0.3 {
				basis.Set(i, j, r.Float64())
			}
		}
	}
	vecs := make([]sparse, n)
	dense := mat.NewDense(n, dim, nil)
	for i := range n {
		row := make([]float64, dim)
		for k := range rank {
			c := r.Float64()
			for j := range dim {
				row[j] += c * basis.At(k, j)
			}
		}
		for j, x := range row {
			if x != 0 {
				vecs[i].idx = append(vecs[i].idx, int32(j))
				vecs[i].val = append(vecs[i].val, float32(x))
				dense.Set(i, j, float64(float32(x)))
			}
		}
	}
	rows := lsa(vecs, dim, 10)
	for i := range n {
		for j := range n {
			var got float64
			for k := range rows[i] {
				got += rows[i][k] * rows[j][k]
			}
			a, b := dense.RawRowView(i), dense.RawRowView(j)
			want := mat.Dot(mat.NewVecDense(dim, a), mat.NewVecDense(dim, b)) /
				(mat.Norm(mat.NewVecDense(dim, a), 2) * mat.Norm(mat.NewVecDense(dim, b), 2))
			if math.Abs(got-want) > 1e-6 {
				t.Fatalf("rows %d,%d: cosine %v in LSA, %v in the matrix", i, j, got, want)
			}
		}
	}
}

func TestClusterWithLSA(t *testing.T) {
	msgs, group := messages(enRefund, zhDelivery, enPassword, zhHuabei, enNoise)
	ts := Cluster(msgs, Options{LSA: 20})
	checkGroups(t, ts, group, []int{0, 1, 2, 3}, map[int]int{0: 6, 1: 6, 2: 6, 3: 6})
}
