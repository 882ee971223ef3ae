package policy

import (
	"fmt"
	"math"
	"strconv"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// sameSteps gives every model of the scenario the same steps.
func sameSteps(sc *simulator.Scenario, steps []float64) [][]float64 {
	out := make([][]float64, len(sc.Config.Models))
	for i := range out {
		out[i] = steps
	}
	return out
}

// sameValue gives every model the same value.
func sameValue(sc *simulator.Scenario, v float64) []float64 {
	out := make([]float64, len(sc.Config.Models))
	for i := range out {
		out[i] = v
	}
	return out
}

// settingOr returns the entry's Setting for model mi, else def.
func settingOr(pc simulator.PolicyConfig, mi int, def float64) float64 {
	if v, ok := pc.SettingFor(mi); ok {
		return v
	}
	return def
}

// geometric returns values from lo to hi (inclusive) with about perDoubling steps per
// doubling, rounded to two significant digits; ascending.
func geometric(lo, hi float64, perDoubling int) []float64 {
	var out []float64
	for k := 0; ; k++ {
		v := lo * math.Pow(2, float64(k)/float64(perDoubling))
		if v > hi*1.0001 {
			return out
		}
		r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 2, 64), 64)
		if len(out) == 0 || r != out[len(out)-1] {
			out = append(out, r)
		}
	}
}

// linear returns from, from+step, ... up to to (inclusive, either direction), rounded to
// the step's precision.
func linear(from, to, step float64) []float64 {
	n := int(math.Round(math.Abs(to-from)/step)) + 1
	sign := 1.0
	if to < from {
		sign = -1
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Round((from+sign*float64(i)*step)*1e9) / 1e9 // 0.1+0.2 prints as 0.3
	}
	return out
}

// reversed returns a reversed copy.
func reversed(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}

// formatG prints a value without noise.
func formatG(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// formatCount prints a whole count.
func formatCount(v float64) string { return fmt.Sprintf("%d", int(math.Round(v))) }
