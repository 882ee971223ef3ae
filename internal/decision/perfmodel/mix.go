package perfmodel

import (
	"fmt"
	"math"
)

// Tokens describes the length distribution of prompts or outputs: its mean and standard
// deviation, in tokens. The model assumes a lognormal shape (long right tail), which fits
// production traces; SD 0 means every request has the mean length.
type Tokens struct {
	// Mean is the mean length in tokens.
	Mean float64 `json:"mean"`
	// SD is the standard deviation in tokens.
	SD float64 `json:"sd,omitempty"`
}

// Mix is the token mix of a model's requests.
type Mix struct {
	// Input is the prompt length distribution.
	Input Tokens `json:"input"`
	// Output is the generated length distribution.
	Output Tokens `json:"output"`
}

// Validate reports a mix the model cannot use, naming the field.
func (m Mix) Validate() error {
	for _, f := range []struct {
		name string
		t    Tokens
		min  float64
	}{{"input", m.Input, 1}, {"output", m.Output, 1}} {
		if !(f.t.Mean >= f.min) || math.IsInf(f.t.Mean, 0) {
			return fmt.Errorf("mix %s mean %v: must be a finite number of tokens >= %v", f.name, f.t.Mean, f.min)
		}
		if !(f.t.SD >= 0) || math.IsInf(f.t.SD, 0) {
			return fmt.Errorf("mix %s sd %v: must be a finite number >= 0", f.name, f.t.SD)
		}
	}
	return nil
}

// moments returns the raw moments E[X], E[X²], E[X³], E[X⁴] of a lognormal with the
// given mean and sd: E[Xᵏ] = meanᵏ·exp(k(k−1)σ²/2).
func (t Tokens) moments() [4]float64 {
	s2 := 0.0
	if t.SD > 0 {
		s2 = math.Log1p(t.SD * t.SD / (t.Mean * t.Mean))
	}
	var m [4]float64
	for k := 1; k <= 4; k++ {
		m[k-1] = math.Pow(t.Mean, float64(k)) * math.Exp(float64(k*(k-1))*s2/2)
	}
	return m
}

// sliceEdges split a length distribution into slices, finer in both tails where
// percentiles of latency are decided (short outputs, long prompts).
var sliceEdges = [points + 1]float64{0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95, 0.98, 0.995, 1}

// sliceZ and coarseZ are the standard-normal quantiles of the slice edges.
var sliceZ, coarseZ = edgeQuantiles(sliceEdges[:]), edgeQuantiles(coarseEdges[:])

// edgeQuantiles maps probabilities to standard-normal quantiles (±Inf at 0 and 1).
func edgeQuantiles(edges []float64) []float64 {
	z := make([]float64, len(edges))
	for i, p := range edges {
		z[i] = normQuantile(p)
	}
	return z
}

// sliceWeights are the probabilities of the slices.
var sliceWeights = func() (w [points]float64) {
	for i := range w {
		w[i] = sliceEdges[i+1] - sliceEdges[i]
	}
	return w
}()

// coarseEdges split the prompt length into a few slices where a second mixture inside
// the first would be too costly.
var coarseEdges = [...]float64{0, 0.5, 0.8, 0.95, 1}

// coarseWeights are the probabilities of the coarse slices.
var coarseWeights = [len(coarseEdges) - 1]float64{0.5, 0.3, 0.15, 0.05}

// slices writes the mean length within each slice of the distribution (exact for the
// lognormal: E[X | slice] = mean·(Φ(b−s)−Φ(a−s))/(Φ(b)−Φ(a)) in standard-normal terms),
// so that a percentile driven by the length can be computed as a mixture over slices.
func (t Tokens) slices(out *[points]float64) { t.slicesOn(sliceEdges[:], sliceZ, out[:]) }

// slicesOn writes the mean length within each slice between consecutive edges
// (probabilities, with z their normal quantiles); out has one element fewer than edges.
func (t Tokens) slicesOn(edges, z, out []float64) {
	if t.SD <= 0 {
		for i := range out {
			out[i] = t.Mean
		}
		return
	}
	s := math.Sqrt(math.Log1p(t.SD * t.SD / (t.Mean * t.Mean)))
	for i := range out {
		za, zb := z[i], z[i+1]
		out[i] = t.Mean * (normCDF(zb-s) - normCDF(za-s)) / (edges[i+1] - edges[i])
	}
}

// TokensFromHistogram estimates a length distribution from a window of a Prometheus
// histogram such as vllm:request_prompt_tokens: counts per bucket (not cumulative, the
// last one the +Inf bucket) with upper bounds, and the sum of the observed lengths. The
// mean is exact (sum/count); the spread is taken from bucket midpoints (the last finite
// bound for the +Inf bucket). It returns false for an empty window.
func TokensFromHistogram(bounds, counts []float64, sum float64) (Tokens, bool) {
	n := 0.0
	for _, c := range counts {
		n += c
	}
	if n <= 0 || len(counts) != len(bounds)+1 {
		return Tokens{}, false
	}
	mean := math.Max(sum/n, 1)
	ss, lower := 0.0, 0.0
	for i, c := range counts {
		mid := lower
		if i < len(bounds) {
			mid = (lower + bounds[i]) / 2
			lower = bounds[i]
		}
		ss += c * (mid - mean) * (mid - mean)
	}
	return Tokens{Mean: mean, SD: math.Sqrt(ss / n)}, true
}
