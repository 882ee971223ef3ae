package decision

import (
	"cmp"
	"slices"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// wakeOrder ranks the candidate variants for waking a model at zero. In CAPACITY-ONLY it
// is the cost per replica (ties: spare capacity, then name). In HYBRID it is the cost per
// request: the cost over the rate one replica sustains within the model's objectives, from
// what the optimiser learned before the model went to zero; variants whose rate is not
// known follow, by cost per replica. It returns the label for the reason, and, in HYBRID,
// why the cost per request could not decide (empty when it did).
func (p *plan) wakeOrder(s *Snapshot, cands []int) (string, string) {
	slices.SortFunc(cands, p.byCostThenSpare)
	if s.Proactive == nil {
		return "cheapest variant", ""
	}
	rates, why := wakeRates(s, p)
	if why != "" {
		return "cheapest variant", why
	}
	slices.SortStableFunc(cands, func(a, b int) int {
		ra, rb := rates[a], rates[b]
		switch {
		case ra > 0 && rb > 0:
			return cmp.Compare(p.variants[a].state.Cost/ra, p.variants[b].state.Cost/rb)
		case ra > 0:
			return -1
		case rb > 0:
			return 1
		}
		return 0
	})
	return "cheapest variant per request", ""
}

// wakeRates is each variant's sustainable rate per replica at the model's learned token
// mix: from the learned parameters, else the variant's prior; 0 when neither is known.
func wakeRates(s *Snapshot, p *plan) ([]float64, string) {
	in := s.Proactive
	settings, err := in.Settings.withDefaults()
	if err != nil {
		return nil, "invalid proactive settings"
	}
	mix := in.State.Forecast.Mix
	if mix.Validate() != nil {
		mix = in.Traffic.Mix
	}
	if mix.Validate() != nil {
		return nil, "no token mix learned"
	}
	targets, _, _ := resolveTargets(in.Classes)
	models := map[string]VariantModel{}
	for _, vm := range in.Variants {
		models[vm.Name] = vm
	}
	rates := make([]float64, len(p.variants))
	known := false
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
		known = known || rates[i] > 0
	}
	if !known {
		return nil, "no variant's rate within the objectives is known"
	}
	return rates, ""
}
