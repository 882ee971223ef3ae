package perfmodel

import "math"

// normQuantile is the standard normal quantile Φ⁻¹(p).
func normQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// normCDF is P(Z <= z) for a standard normal Z; ±Inf give 1 and 0.
func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// normSurvival is P(Z > z) for a standard normal Z.
func normSurvival(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// moments3 are the mean, variance and third central moment of a quantity.
type moments3 struct {
	mean, variance, third float64
}

// fromRaw converts raw moments E[X], E[X²], E[X³] to central ones.
func fromRaw(r1, r2, r3 float64) moments3 {
	v := math.Max(r2-r1*r1, 0)
	return moments3{mean: r1, variance: v, third: r3 - 3*r1*r2 + 2*r1*r1*r1}
}

// plus adds an independent quantity (cumulants add).
func (m moments3) plus(o moments3) moments3 {
	return moments3{mean: m.mean + o.mean, variance: m.variance + o.variance, third: m.third + o.third}
}

// scaled multiplies the quantity by k.
func (m moments3) scaled(k float64) moments3 {
	return moments3{mean: m.mean * k, variance: m.variance * k * k, third: m.third * k * k * k}
}

// minShape bounds the fitted gamma's shape from below: shapes under it (skewness above
// 2/√minShape) are where the cube-root approximation stops being accurate.
const minShape = 0.25

// survival is P(X > x) under a shifted gamma distribution matching the three moments
// (a normal one when the skew is not positive), evaluated with the Wilson–Hilferty
// cube-root approximation: accurate to a few percent in the quantile for the shapes that
// occur here, and cheap enough to evaluate thousands of times per decision.
func (m moments3) survival(x float64) float64 {
	if m.variance <= 1e-18*(1+m.mean*m.mean) {
		if x < m.mean {
			return 1
		}
		return 0
	}
	sd := math.Sqrt(m.variance)
	skew := m.third / (m.variance * sd)
	if skew < 1e-3 {
		return normSurvival((x - m.mean) / sd)
	}
	k := math.Max(4/(skew*skew), minShape)
	theta := sd / math.Sqrt(k)
	y := x - (m.mean - k*theta)
	if y <= 0 {
		return 1
	}
	a := 1 / (9 * k)
	return normSurvival((math.Cbrt(y/(k*theta)) - (1 - a)) / math.Sqrt(a))
}

// quantileOf finds x with survival(x) = 1−q by bisection on a decreasing survival
// function, above lo, with an upper bound found by doubling.
func quantileOf(survival func(float64) float64, q, lo float64) float64 {
	tail := 1 - q
	hi := math.Max(lo*2, 1e-3)
	for i := 0; survival(hi) > tail; i++ {
		if i > 60 {
			return math.Inf(1)
		}
		lo, hi = hi, hi*2
	}
	for range 40 {
		mid := (lo + hi) / 2
		if survival(mid) > tail {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
