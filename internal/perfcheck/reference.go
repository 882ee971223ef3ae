package perfcheck

import (
	"math"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// referenceQueue is the public implementation's model (behaviour reference §5), kept
// here only to compare against: a state-dependent M/M/1/K queue with K = maxBatch +
// maxQueue, iteration time T(n) = α + n·(β(I+O)/(O+1) + γ(I+O/2)) for n concurrent
// requests of mean lengths I and O, prefill time T + (β+γ)·I, decode time per token
// T + β + γ(I+O/2), and service rate μ(n) = n/(prefill + O·decode). It predicts means
// only: mean TTFT is the queueing wait plus the prefill time an arrival sees, mean ITL
// the decode time weighted by the requests decoding. The reference leaves maxQueue
// open; it is taken equal to maxBatch (max_num_seqs) here.
func referenceQueue(p perfmodel.Params, e perfmodel.Engine, m perfmodel.Mix, rate float64) (ttft, itl float64) {
	in, out := m.Input.Mean, m.Output.Mean
	maxBatch := max(e.MaxNumSeqs, 1)
	k := 2 * maxBatch
	iter := func(n int) float64 {
		return p.Alpha + float64(n)*(p.Beta*(in+out)/(out+1)+p.Gamma*(in+out/2))
	}
	prefill := func(n int) float64 { return iter(n) + (p.Beta+p.Gamma)*in }
	decode := func(n int) float64 { return iter(n) + p.Beta + p.Gamma*(in+out/2) }
	mu := func(n int) float64 {
		b := min(n, maxBatch)
		return float64(b) / (prefill(b) + out*decode(b))
	}
	// π(n) ∝ Π λ/μ(j), in logs to avoid overflow.
	logPi := make([]float64, k+1)
	for n := 1; n <= k; n++ {
		logPi[n] = logPi[n-1] + math.Log(rate/mu(n))
	}
	top := math.Inf(-1)
	for _, l := range logPi {
		top = math.Max(top, l)
	}
	var z, lq, seen, decW, decN float64
	for n, l := range logPi {
		pi := math.Exp(l - top)
		z += pi
		if n > maxBatch {
			lq += float64(n-maxBatch) * pi
		}
		if n < k {
			seen += pi * prefill(min(n+1, maxBatch)) // what an arrival sees (PASTA)
		}
		if n > 0 {
			b := min(n, maxBatch)
			decW += float64(b) * pi * decode(b)
			decN += float64(b) * pi
		}
	}
	pk := math.Exp(logPi[k]-top) / z
	accepted := rate * (1 - pk)
	wait := (lq / z) / math.Max(accepted, 1e-12)
	ttft = wait + seen/(z*(1-pk))
	itl = decode(1)
	if decN > 0 {
		itl = decW / decN
	}
	return ttft, itl
}
