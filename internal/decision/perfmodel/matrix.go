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
func innovationCov(h [][nParams]float64, p [nParams][nParams]float64, sigma []float64) [][]float64 {
	m := len(h)
	s := make([][]float64, m)
	for r := range m {
		s[r] = make([]float64, m)
		for c := range m {
			v := 0.0
			for i := range nParams {
				for j := range nParams {
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
func gain(p [nParams][nParams]float64, h [][nParams]float64, sinv [][]float64) [nParams][]float64 {
	m := len(h)
	var pht [nParams][]float64
	for i := range nParams {
		pht[i] = make([]float64, m)
		for c := range m {
			for j := range nParams {
				pht[i][c] += p[i][j] * h[c][j]
			}
		}
	}
	var g [nParams][]float64
	for i := range nParams {
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
func josephUpdate(p [nParams][nParams]float64, k [nParams][]float64, h [][nParams]float64, sigma []float64) [nParams][nParams]float64 {
	var ikh [nParams][nParams]float64 // I − KH
	for i := range nParams {
		for j := range nParams {
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
	var out [nParams][nParams]float64
	for i := range nParams {
		for j := range nParams {
			v := 0.0
			for a := range nParams {
				for b := range nParams {
					v += ikh[i][a] * p[a][b] * ikh[j][b]
				}
			}
			for c := range sigma {
				v += k[i][c] * sigma[c] * sigma[c] * k[j][c]
			}
			out[i][j] = v
		}
	}
	for i := range nParams { // symmetrise
		for j := i + 1; j < nParams; j++ {
			m := (out[i][j] + out[j][i]) / 2
			out[i][j], out[j][i] = m, m
		}
	}
	return out
}
