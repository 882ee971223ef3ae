package perfmodel

import "math"

// Small dense linear algebra for the filter: three parameters, at most two measurements.

func sub(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

// innovationCov is H·P·Hᵀ + diag(σ²).
func innovationCov(H [][3]float64, P [3][3]float64, sigma []float64) [][]float64 {
	m := len(H)
	S := make([][]float64, m)
	for r := range m {
		S[r] = make([]float64, m)
		for c := range m {
			v := 0.0
			for i := range 3 {
				for j := range 3 {
					v += H[r][i] * P[i][j] * H[c][j]
				}
			}
			S[r][c] = v
		}
		S[r][r] += sigma[r] * sigma[r]
	}
	return S
}

// invert inverts a small symmetric positive matrix by Gauss–Jordan elimination.
func invert(a [][]float64) ([][]float64, bool) {
	n := len(a)
	m := make([][]float64, n)
	inv := make([][]float64, n)
	for i := range n {
		m[i] = append([]float64(nil), a[i]...)
		inv[i] = make([]float64, n)
		inv[i][i] = 1
	}
	for col := range n {
		piv := col
		for r := col + 1; r < n; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[piv][col]) {
				piv = r
			}
		}
		if math.Abs(m[piv][col]) < 1e-300 {
			return nil, false
		}
		m[col], m[piv] = m[piv], m[col]
		inv[col], inv[piv] = inv[piv], inv[col]
		d := m[col][col]
		for c := range n {
			m[col][c] /= d
			inv[col][c] /= d
		}
		for r := range n {
			if r == col {
				continue
			}
			f := m[r][col]
			for c := range n {
				m[r][c] -= f * m[col][c]
				inv[r][c] -= f * inv[col][c]
			}
		}
	}
	return inv, true
}

// quad is νᵀ·A·ν.
func quad(nu []float64, A [][]float64) float64 {
	s := 0.0
	for i := range nu {
		for j := range nu {
			s += nu[i] * A[i][j] * nu[j]
		}
	}
	return s
}

// gain is K = P·Hᵀ·S⁻¹.
func gain(P [3][3]float64, H [][3]float64, Sinv [][]float64) [3][]float64 {
	m := len(H)
	var PHt [3][]float64
	for i := range 3 {
		PHt[i] = make([]float64, m)
		for c := range m {
			for j := range 3 {
				PHt[i][c] += P[i][j] * H[c][j]
			}
		}
	}
	var K [3][]float64
	for i := range 3 {
		K[i] = make([]float64, m)
		for c := range m {
			for k := range m {
				K[i][c] += PHt[i][k] * Sinv[k][c]
			}
		}
	}
	return K
}

// josephUpdate is (I−KH)·P·(I−KH)ᵀ + K·R·Kᵀ, the covariance update that stays
// symmetric and positive under rounding.
func josephUpdate(P [3][3]float64, K [3][]float64, H [][3]float64, sigma []float64) [3][3]float64 {
	var A [3][3]float64 // I − KH
	for i := range 3 {
		for j := range 3 {
			v := 0.0
			if i == j {
				v = 1
			}
			for c := range H {
				v -= K[i][c] * H[c][j]
			}
			A[i][j] = v
		}
	}
	var out [3][3]float64
	for i := range 3 {
		for j := range 3 {
			v := 0.0
			for a := range 3 {
				for b := range 3 {
					v += A[i][a] * P[a][b] * A[j][b]
				}
			}
			for c := range sigma {
				v += K[i][c] * sigma[c] * sigma[c] * K[j][c]
			}
			out[i][j] = v
		}
	}
	for i := range 3 { // symmetrise
		for j := i + 1; j < 3; j++ {
			m := (out[i][j] + out[j][i]) / 2
			out[i][j], out[j][i] = m, m
		}
	}
	return out
}
