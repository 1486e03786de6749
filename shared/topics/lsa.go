package topics

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// lsa projects the rows of the sparse matrix vecs (n × dim) on their top k
// latent directions by a randomized SVD (Halko, Martinsson and Tropp 2011:
// a Gaussian sketch, two power iterations, then an exact SVD of the small
// projected matrix) and returns the rows U_k Σ_k, l2-normalised. Rows that
// project to nothing stay zero. The seed makes it deterministic.
func lsa(vecs []sparse, dim, k int) [][]float64 {
	n := len(vecs)
	l := min(k+10, n, dim)
	if l <= 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(0x15a, uint64(n)))
	omega := mat.NewDense(dim, l, nil)
	for i := range dim {
		for j := range l {
			omega.Set(i, j, r.NormFloat64())
		}
	}
	y := mulSparse(vecs, omega)
	for range 2 {
		y = mulSparse(vecs, mulSparseT(vecs, dim, orth(y)))
	}
	q := orth(y)                   // n × l
	bt := mulSparseT(vecs, dim, q) // dim × l, the transpose of B = Qᵀ X
	var svd mat.SVD
	if !svd.Factorize(bt, mat.SVDThin) { // Bᵀ = V Σ Wᵀ, so B = W Σ Vᵀ
		return nil
	}
	var w mat.Dense
	svd.VTo(&w) // l × l: B's left singular vectors
	sv := svd.Values(nil)
	var u mat.Dense
	u.Mul(q, &w) // n × l: X's left singular vectors
	k = min(k, len(sv))
	out := make([][]float64, n)
	for i := range n {
		row := make([]float64, k)
		var norm float64
		for j := range k {
			row[j] = u.At(i, j) * sv[j]
			norm += row[j] * row[j]
		}
		if norm = math.Sqrt(norm); norm > 1e-12 {
			for j := range row {
				row[j] /= norm
			}
		} else {
			clear(row)
		}
		out[i] = row
	}
	return out
}

// mulSparse is X·M for the sparse rows X (n × dim) and a dense M (dim × l).
func mulSparse(vecs []sparse, m *mat.Dense) *mat.Dense {
	_, l := m.Dims()
	out := mat.NewDense(len(vecs), l, nil)
	for i, v := range vecs {
		row := out.RawRowView(i)
		for k, c := range v.idx {
			x := float64(v.val[k])
			for j, y := range m.RawRowView(int(c)) {
				row[j] += x * y
			}
		}
	}
	return out
}

// mulSparseT is Xᵀ·M for the sparse rows X (n × dim) and a dense M (n × l).
func mulSparseT(vecs []sparse, dim int, m *mat.Dense) *mat.Dense {
	_, l := m.Dims()
	out := mat.NewDense(dim, l, nil)
	for i, v := range vecs {
		mrow := m.RawRowView(i)
		for k, c := range v.idx {
			x := float64(v.val[k])
			row := out.RawRowView(int(c))
			for j, y := range mrow {
				row[j] += x * y
			}
		}
	}
	return out
}

// orth returns an orthonormal basis of m's columns by modified
// Gram–Schmidt, run twice for accuracy; a column that vanishes is left zero.
func orth(m *mat.Dense) *mat.Dense {
	r, c := m.Dims()
	cols := make([][]float64, c)
	for j := range c {
		cols[j] = mat.Col(nil, j, m)
	}
	for range 2 {
		for j := range c {
			for p := range j {
				var d float64
				for i := range r {
					d += cols[p][i] * cols[j][i]
				}
				for i := range r {
					cols[j][i] -= d * cols[p][i]
				}
			}
			var norm float64
			for _, x := range cols[j] {
				norm += x * x
			}
			if norm = math.Sqrt(norm); norm > 1e-10 {
				for i := range cols[j] {
					cols[j][i] /= norm
				}
			} else {
				clear(cols[j])
			}
		}
	}
	out := mat.NewDense(r, c, nil)
	for j, col := range cols {
		out.SetCol(j, col)
	}
	return out
}

// denseSimilarities fills the upper triangle of an n×n cosine matrix from
// unit rows.
func denseSimilarities(rows [][]float64, check func() error) ([]float32, error) {
	n := len(rows)
	sim := make([]float32, n*n)
	for i := range n {
		if i%64 == 0 {
			if err := check(); err != nil {
				return nil, err
			}
		}
		a := rows[i]
		for j := i + 1; j < n; j++ {
			var s float64
			for k, x := range rows[j] {
				s += a[k] * x
			}
			sim[i*n+j] = float32(s)
		}
	}
	return sim, nil
}
