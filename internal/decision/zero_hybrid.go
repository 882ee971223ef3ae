package decision

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
)

// wakeOrder ranks the candidate variants for waking a model at zero. In CAPACITY-ONLY it
// is the cost per replica (ties: spare capacity, then name). In HYBRID it is the cost per
// request at the rate the model is expected to see: variantCost over the requests one
// replica would serve, the expected rate or, when one replica cannot sustain it within
// the objectives, the rate it can. At a low expected rate that is the cost per replica;
// above one replica's rate it is the cost per request the solver ranks by. Rates and the
// expected rate come from what the optimiser learned before the model went to zero;
// while any candidate's rate or the expected rate is unknown, the cost per replica
// decides. It returns the label for the reason, and, in HYBRID, why the cost per request
// could not decide (empty when it did).
func (p *plan) wakeOrder(s *Snapshot, cands []int) (string, string) {
	slices.SortFunc(cands, p.byCostThenSpare)
	if s.Proactive == nil {
		return "cheapest variant", ""
	}
	rates, known, why := sustainableRates(s, p)
	if why != "" {
		return "cheapest variant", why
	}
	if why := p.unknownRate(cands, rates, known); why != "" {
		return "cheapest variant", why
	}
	expected := expectedRate(s.Proactive)
	if expected <= 0 {
		return "cheapest variant", "no traffic forecast learned"
	}
	served := func(i int) float64 { return min(rates[i], expected) }
	slices.SortStableFunc(cands, func(a, b int) int {
		return cmp.Compare(p.variants[a].state.Cost/served(a), p.variants[b].state.Cost/served(b))
	})
	return fmt.Sprintf("cheapest variant per request at the expected %s req/s", fmtNum(round3(expected))), ""
}

// expectedRate is the rate a model at zero is expected to see when it wakes, from the
// traffic forecast it had before it slept (0 when it had none).
func expectedRate(in *ProactiveInput) float64 {
	settings, err := in.Settings.withDefaults()
	if err != nil || in.State.Forecast.Windows <= 0 {
		return 0
	}
	fc, _ := forecast.New(settings.Forecaster) // validated in withDefaults
	return max(0, fc.At(in.State.Forecast, 0).Planned)
}
