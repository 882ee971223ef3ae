package decision

import (
	"fmt"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// The HYBRID solver ranks variants by cost per sustainable request, not per replica (on
// the benchmark the dearer H100 is cheaper per request than the A100). The rules that
// choose a variant before the solver runs (waking a model at zero, the saturation
// analyser's scale-up and scale-down) rank by the same measure, from the rates below, so
// that the capacity answer, which the solver keeps as a floor, does not add the variant
// the solver would then have to keep however dear per request it is.

// sustainableRates is each variant's sustainable rate per replica within the objectives,
// at the model's learned token mix (from the traffic forecast, else the window's
// traffic), from the learned parameters, else the variant's prior. A variant with
// neither is not known (rate 0, known false); one whose replica cannot meet the
// objectives at any rate is known with rate 0. The rates come from what the optimiser
// learned up to the previous cycle, so they are there before the saturation analyser
// decides. It also returns why no rate can be computed (empty when they can).
func sustainableRates(s *Snapshot, p *plan) ([]float64, []bool, string) {
	in := s.Proactive
	settings, err := in.Settings.withDefaults()
	if err != nil {
		return nil, nil, "invalid proactive settings"
	}
	mix := in.State.Forecast.Mix
	if mix.Validate() != nil {
		mix = in.Traffic.Mix
	}
	if mix.Validate() != nil {
		return nil, nil, "no token mix learned"
	}
	targets, _, _ := resolveTargets(in.Classes)
	models := map[string]VariantModel{}
	for _, vm := range in.Variants {
		models[vm.Name] = vm
	}
	rates, known := make([]float64, len(p.variants)), make([]bool, len(p.variants))
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
		rates[i], known[i] = p.rankRate(in.State.RankRates, name, params, vm.Engine, mix, targets, settings.Attainment), true
	}
	return rates, known, ""
}

// rankRate is one variant's sustainable rate for ranking, from the memo the previous
// cycle left when its inputs have not moved; what it computes is kept in the plan for
// the next cycle (runProactive passes it on in the learned state).
func (p *plan) rankRate(memo map[string]RateMemo, name string, params perfmodel.Params, e perfmodel.Engine, mix perfmodel.Mix, targets []perfmodel.Target, attainment float64) float64 {
	if m, ok := memo[name]; ok && m.reusable(params, e, mix, targets, attainment) {
		return m.Rate
	}
	return memoisedRate(&p.rankRates, name, params, e, mix, targets, attainment)
}

// variantRates is what sustainableRates returned, kept for the rest of one decision.
type variantRates struct {
	rates []float64
	known []bool
	why   string
}

// perRequestRates is sustainableRates computed once per decision: a saturation
// scale-down asks for the rates to choose its candidates (v1DownCandidates) and again to
// rank them (v1Order), and each computation is a search per variant.
func (p *plan) perRequestRates(s *Snapshot) ([]float64, []bool, string) {
	if p.perRequest == nil {
		rates, known, why := sustainableRates(s, p)
		p.perRequest = &variantRates{rates: rates, known: known, why: why}
	}
	return p.perRequest.rates, p.perRequest.known, p.perRequest.why
}

// unknownRate says why the cost per request cannot rank the candidates, naming the first
// whose rate is not known or is zero (empty when every candidate has a rate).
func (p *plan) unknownRate(cands []int, rates []float64, known []bool) string {
	for _, i := range cands {
		name := p.variants[i].state.Name
		switch {
		case !known[i]:
			return fmt.Sprintf("the rate variant %s sustains within the objectives is not known yet", name)
		case !(rates[i] > 0):
			return fmt.Sprintf("variant %s cannot meet the objectives at any rate", name)
		}
	}
	return ""
}

// perRequestFigures names, in the candidates' order, the rate per replica and the cost
// each was ranked by, for the reason: "h100 12.1 req/s at cost 2.99, a100 ...".
func (p *plan) perRequestFigures(cands []int, rates []float64) string {
	parts := make([]string, len(cands))
	for k, i := range cands {
		v := &p.variants[i]
		parts[k] = fmt.Sprintf("%s %s req/s at cost %s", v.state.Name, fmtNum(round3(rates[i])), fmtNum(v.state.Cost))
	}
	return strings.Join(parts, ", ")
}
