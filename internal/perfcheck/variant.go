package perfcheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Variant is one servermodel profile with the model's view of it: the true step
// coefficients and engine limits.
type Variant struct {
	// Name is the profile name.
	Name string
	// Sim are the simulated replica's engine parameters.
	Sim servermodel.Params
	// Model are the same step coefficients in the model's units.
	Model perfmodel.Params
	// Engine are the engine limits the model is told.
	Engine perfmodel.Engine
}

// LoadVariant reads an embedded servermodel profile.
func LoadVariant(profile string) (Variant, error) {
	prof, err := servermodel.LoadProfile(profile)
	if err != nil {
		return Variant{}, fmt.Errorf("perfcheck: %w", err)
	}
	sp, err := prof.Params()
	if err != nil {
		return Variant{}, fmt.Errorf("perfcheck: %w", err)
	}
	return Variant{
		Name:   profile,
		Sim:    sp,
		Model:  perfmodel.Params{Alpha: sp.Alpha.Seconds(), Beta: sp.Beta.Seconds(), Gamma: sp.Gamma.Seconds()},
		Engine: perfmodel.Engine{MaxNumSeqs: sp.MaxNumSeqs, MaxBatchedTokens: sp.MaxNumBatchedTokens, KVTokens: sp.KVCapacityTokens()},
	}, nil
}

// Mix is a named token mix: lognormal prompt and output lengths.
type Mix struct {
	// Name labels the mix in tables and charts.
	Name string
	// Tokens are the means and standard deviations.
	Tokens perfmodel.Mix
}

// Mixes are the token mixes the checks sweep: short chat, the conversation trace's mix
// (Azure LLM inference trace 2023, conversation: prompts 1,155 ± 1,109 tokens, answers
// 211 ± 163), long prompts with short answers, and long answers.
func Mixes() []Mix {
	mix := func(name string, in, inSD, out, outSD float64) Mix {
		return Mix{Name: name, Tokens: perfmodel.Mix{Input: perfmodel.Tokens{Mean: in, SD: inSD}, Output: perfmodel.Tokens{Mean: out, SD: outSD}}}
	}
	return []Mix{
		mix("short chat", 400, 300, 150, 120),
		mix("conversation", 1150, 1100, 210, 160),
		mix("long prompt, short answer", 4000, 2000, 50, 30),
		mix("long answer", 300, 200, 1000, 400),
	}
}

// draw returns a lognormal length with the given mean and sd, within [1, hi].
func draw(rng *rand.Rand, t perfmodel.Tokens, hi int) int {
	v := t.Mean
	if t.SD > 0 {
		s2 := math.Log1p(t.SD * t.SD / (t.Mean * t.Mean))
		v = math.Exp(math.Log(t.Mean) - s2/2 + math.Sqrt(s2)*rng.NormFloat64())
	}
	return min(max(int(math.Round(v)), 1), hi)
}
