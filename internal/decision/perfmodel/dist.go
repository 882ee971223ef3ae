package perfmodel

import "math"

// normQuantile is the standard normal quantile Φ⁻¹(p).
func normQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// normCDF is P(Z <= z) for a standard normal Z; ±Inf give 1 and 0.
func normCDF(z float64) float64 { return normSurvival(-z) }

// normSurvival is P(Z > z) for a standard normal Z, by the Zelen–Severo approximation
// (Abramowitz and Stegun 26.2.17, absolute error below 7.5·10⁻⁸), several times
// cheaper than math.Erfc and far more precise than the model needs.
func normSurvival(z float64) float64 {
	if z < 0 {
		return 1 - normSurvival(-z)
	}
	if z > 38 {
		return 0
	}
	t := 1 / (1 + 0.2316419*z)
	poly := t * (0.319381530 + t*(-0.356563782+t*(1.781477937+t*(-1.821255978+t*1.330274429))))
	return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) * poly
}

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

// minShape bounds the fitted gamma's shape from below: shapes under it (skewness above
// 2/√minShape) are where the cube-root approximation stops being accurate.
const minShape = 0.25

// survival is P(X > x) under a shifted gamma distribution matching the three moments
// (a normal one when the skew is not positive); see fit.
func (m moments3) survival(x float64) float64 { return m.fit().survival(x) }

// tail is a distribution fitted to three moments, ready to evaluate many times.
type tail struct {
	kind     uint8   // tailPoint, tailNormal or tailGamma
	mean, sd float64 // point and normal
	scale    float64 // gamma: k·θ
	shift    float64 // gamma: where its support starts
	center   float64 // gamma: 1 − 1/(9k)
	spread   float64 // gamma: √(1/(9k))
}

const (
	tailPoint = iota
	tailNormal
	tailGamma
)

// fit fits a shifted gamma distribution to the moments (a normal one when the skew is
// not positive, a point mass without spread), to be evaluated with the Wilson–Hilferty
// cube-root approximation: accurate to a few percent in the quantile for the shapes
// that occur here, and cheap enough to evaluate thousands of times per decision.
func (m moments3) fit() tail {
	if m.variance <= 1e-18*(1+m.mean*m.mean) {
		return tail{kind: tailPoint, mean: m.mean}
	}
	sd := math.Sqrt(m.variance)
	skew := m.third / (m.variance * sd)
	if skew < 1e-3 {
		return tail{kind: tailNormal, mean: m.mean, sd: sd}
	}
	k := math.Max(4/(skew*skew), minShape)
	theta := sd / math.Sqrt(k)
	a := 1 / (9 * k)
	return tail{kind: tailGamma, scale: k * theta, shift: m.mean - k*theta, center: 1 - a, spread: math.Sqrt(a)}
}

// survival is P(X > x).
func (t tail) survival(x float64) float64 {
	switch t.kind {
	case tailPoint:
		if x < t.mean {
			return 1
		}
		return 0
	case tailNormal:
		return normSurvival((x - t.mean) / t.sd)
	}
	y := x - t.shift
	if y <= 0 {
		return 1
	}
	return normSurvival((math.Cbrt(y/t.scale) - t.center) / t.spread)
}

// quantileOf finds x with survival(x) = 1−q, to 0.5%, for a decreasing survival
// function: it brackets the answer by growing steps from guess (any positive value near
// it), then narrows the bracket by the Illinois method on log x against log survival,
// on which tails are nearly straight.
func quantileOf(survival func(float64) float64, q, guess float64) float64 {
	target := math.Log(1 - q)
	f := func(x float64) float64 { return math.Log(math.Max(survival(x), 1e-300)) - target }
	lo, hi := 0.0, math.Max(guess, 1e-6)
	fhi := f(hi)
	for i := 0; fhi > 0; i++ {
		if i > 80 {
			return math.Inf(1)
		}
		lo, hi = hi, hi*1.5
		fhi = f(hi)
	}
	flo := 0.0
	if lo == 0 {
		lo = hi / 1.5
		for flo = f(lo); lo > 1e-9 && flo <= 0; flo = f(lo) {
			hi, fhi, lo = lo, flo, lo/1.5
		}
		if flo <= 0 {
			return hi
		}
	} else {
		flo = f(lo)
	}
	// survival(lo) > 1−q ≥ survival(hi): flo > 0 ≥ fhi.
	llo, lhi := math.Log(lo), math.Log(hi)
	side := 0
	for lhi-llo > 5e-3 {
		mid := (llo*fhi - lhi*flo) / (fhi - flo)
		if w := lhi - llo; !(mid > llo+0.02*w && mid < lhi-0.02*w) {
			mid = (llo + lhi) / 2
		}
		fm := f(math.Exp(mid))
		if fm > 0 {
			llo, flo = mid, fm
			if side == 1 {
				fhi /= 2
			}
			side = 1
		} else {
			lhi, fhi = mid, fm
			if side == -1 {
				flo /= 2
			}
			side = -1
		}
	}
	return math.Exp((llo + lhi) / 2)
}
