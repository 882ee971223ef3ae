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
func innovationCov(h [][3]float64, p [3][3]float64, sigma []float64) [][]float64 {
	m := len(h)
	s := make([][]float64, m)
	for r := range m {
		s[r] = make([]float64, m)
		for c := range m {
			v := 0.0
			for i := range 3 {
				for j := range 3 {
					v += h[r][i] * p[i][j] * h[c][j]
				}
			}
			s[r][c] = v
		}
		s[r][r] += sigma[r] * sigma[r]
	}
	return s
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
func quad(nu []float64, a [][]float64) float64 {
	s := 0.0
	for i := range nu {
		for j := range nu {
			s += nu[i] * a[i][j] * nu[j]
		}
	}
	return s
}

// gain is K = P·Hᵀ·S⁻¹.
func gain(p [3][3]float64, h [][3]float64, sinv [][]float64) [3][]float64 {
	m := len(h)
	var pht [3][]float64
	for i := range 3 {
		pht[i] = make([]float64, m)
		for c := range m {
			for j := range 3 {
				pht[i][c] += p[i][j] * h[c][j]
			}
		}
	}
	var g [3][]float64
	for i := range 3 {
		g[i] = make([]float64, m)
		for c := range m {
			for k := range m {
				g[i][c] += pht[i][k] * sinv[k][c]
			}
		}
	}
	return g
}

// josephUpdate is (I−KH)·P·(I−KH)ᵀ + K·R·Kᵀ, the covariance update that stays
// symmetric and positive under rounding.
func josephUpdate(p [3][3]float64, k [3][]float64, h [][3]float64, sigma []float64) [3][3]float64 {
	var ikh [3][3]float64 // I − KH
	for i := range 3 {
		for j := range 3 {
			v := 0.0
			if i == j {
				v = 1
			}
			for c := range h {
				v -= k[i][c] * h[c][j]
			}
			ikh[i][j] = v
		}
	}
	var out [3][3]float64
	for i := range 3 {
		for j := range 3 {
			v := 0.0
			for a := range 3 {
				for b := range 3 {
					v += ikh[i][a] * p[a][b] * ikh[j][b]
				}
			}
			for c := range sigma {
				v += k[i][c] * sigma[c] * sigma[c] * k[j][c]
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
