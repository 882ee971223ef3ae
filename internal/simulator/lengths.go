package simulator

import (
	"math"
	"math/rand/v2"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// drawLengths gives each request of a synthetic load its prompt and output lengths when
// the pattern draws them (a distribution or a trace's pairs); fixed lengths stay. The
// lengths come from their own random stream, so changing them leaves arrivals alone.
func drawLengths(reqs []loadgen.Request, p *PatternConfig, cache map[string][]loadgen.Request, seed uint64) error {
	if p == nil || (p.Prompt == nil && p.Output == nil && p.LengthsFrom == "") {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x1e9))
	if p.LengthsFrom != "" {
		pairs, err := cachedTrace(p.LengthsFrom, cache)
		if err != nil {
			return err
		}
		for i := range reqs {
			pick := pairs[rng.IntN(len(pairs))]
			reqs[i].PromptTokens, reqs[i].OutputTokens = pick.PromptTokens, pick.OutputTokens
		}
		return nil
	}
	for i := range reqs {
		if p.Prompt != nil {
			reqs[i].PromptTokens = p.Prompt.draw(rng)
		}
		if p.Output != nil {
			reqs[i].OutputTokens = p.Output.draw(rng)
		}
	}
	return nil
}

// draw returns one length: a log-normal with the distribution's mean, rounded and clipped.
func (d *LengthDist) draw(rng *rand.Rand) int {
	mu := math.Log(d.Mean) - d.Sigma*d.Sigma/2
	n := int(math.Round(math.Exp(mu + d.Sigma*rng.NormFloat64())))
	n = max(n, max(1, d.Min))
	if d.Max > 0 {
		n = min(n, d.Max)
	}
	return n
}
