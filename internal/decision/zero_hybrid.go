package decision

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
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
	rates, expected, why := wakeRates(s, p)
	if why != "" {
		return "cheapest variant", why
	}
	for _, i := range cands {
		if rates[i] <= 0 {
			return "cheapest variant", fmt.Sprintf("the rate variant %s sustains within the objectives is not known yet", p.variants[i].state.Name)
		}
	}
	if expected <= 0 {
		return "cheapest variant", "no traffic forecast learned"
	}
	served := func(i int) float64 { return min(rates[i], expected) }
	slices.SortStableFunc(cands, func(a, b int) int {
		return cmp.Compare(p.variants[a].state.Cost/served(a), p.variants[b].state.Cost/served(b))
	})
	return fmt.Sprintf("cheapest variant per request at the expected %s req/s", fmtNum(round3(expected))), ""
}

// wakeRates is each variant's sustainable rate per replica at the model's learned token
// mix (from the learned parameters, else the variant's prior; 0 when neither is known or
// one replica cannot meet the objectives),
// and the rate the model is expected to see, from the traffic forecast it had (0 when it
// had none).
func wakeRates(s *Snapshot, p *plan) ([]float64, float64, string) {
	in := s.Proactive
	settings, err := in.Settings.withDefaults()
	if err != nil {
		return nil, 0, "invalid proactive settings"
	}
	mix := in.State.Forecast.Mix
	if mix.Validate() != nil {
		mix = in.Traffic.Mix
	}
	if mix.Validate() != nil {
		return nil, 0, "no token mix learned"
	}
	targets, _, _ := resolveTargets(in.Classes)
	models := map[string]VariantModel{}
	for _, vm := range in.Variants {
		models[vm.Name] = vm
	}
	rates := make([]float64, len(p.variants))
	for i := range p.variants {
		name := p.variants[i].state.Name
		vm := models[name]
		var params perfmodel.Params
		switch ps := in.State.Variants[name]; {
		case ps.Known():
			params = ps.Params
		case vm.Prior != nil && vm.Prior.Validate() == nil:
			params = *vm.Prior
		default:
			continue
		}
		rates[i] = perfmodel.SustainableRate(params, vm.Engine, mix, targets, settings.Attainment)
	}
	expected := 0.0
	if in.State.Forecast.Windows > 0 {
		fc, _ := forecast.New(settings.Forecaster) // validated in withDefaults
		expected = max(0, fc.At(in.State.Forecast, 0).Planned)
	}
	return rates, expected, ""
}
