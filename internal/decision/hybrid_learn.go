package decision

import (
	"math"

	"github.com/workload-variant-autoscaler/wva/internal/decision/feedback"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// The optimiser's learning: the feedback on the window just observed, each variant's
// performance model, and the per-replica rates they give.

// feedback takes the window just observed: the model's attainment trims the share it
// is sized for toward the goal, and each variant's attainment against what the model
// predicted for its load measures the model's bias on that variant (its credit).
func (h *hybrid) feedback() {
	st, fs := &h.out.State, h.settings.Feedback
	models := map[string]VariantModel{}
	var all feedback.Latency
	for _, vm := range h.in.Variants {
		models[vm.Name] = vm
		all = all.Plus(vm.Latency)
	}
	if lo, hi, n, ok := all.Miss(h.out.Targets); ok {
		est, _ := all.MissEstimate(h.out.Targets)
		st.Budget = fs.Trim(st.Budget, lo, hi, est, n, h.settings.Attainment, h.s.Now)
	}
	h.sizing = h.settings.Attainment
	if st.Budget.Sizing > 0 {
		h.sizing = st.Budget.Sizing
	}
	h.out.Sizing, h.out.Attained = h.sizing, st.Budget.Attainment
	credits := make(map[string]feedback.Credit, len(h.p.variants))
	h.credit = make([]float64, len(h.p.variants))
	for i := range h.p.variants {
		name := h.p.variants[i].state.Name
		c, why := st.Credits[name], "no latency histograms in the window"
		if lo, hi, n, ok := models[name].Latency.Miss(h.out.Targets); ok {
			c, why = fs.Measure(c, feedback.Sample{Requests: n, Miss: lo, MissHi: hi, Predict: h.predictWindow(i, models[name])}, h.s.Now)
		}
		if c != (feedback.Credit{}) {
			credits[name] = c
		}
		h.credit[i] = c.Factor()
		h.out.Variants[i].Credit, h.out.Variants[i].Feedback = h.credit[i], why
	}
	st.Credits = credits
}

// predictWindow returns the share of variant i's window requests the model predicts
// missing the objectives when every replica serves its observed load divided by k; nil
// when the variant's parameters are unknown or its replicas changed during the window.
func (h *hybrid) predictWindow(i int, vm VariantModel) func(float64) float64 {
	o := vm.Observation
	ps := h.out.State.Variants[h.p.variants[i].state.Name]
	replicas := math.Round(o.Replicas)
	if !h.known[i] || !(o.Rate > 0) || replicas < 1 || math.Abs(o.Replicas-replicas) > 0.1 {
		return nil
	}
	mix := o.Mix
	if mix.Validate() != nil {
		mix = h.in.Traffic.Mix
	}
	if mix.Validate() != nil {
		return nil
	}
	rate := o.Rate / replicas
	pd := perfmodel.NewPredictor(ps.Params, vm.Engine, mix)
	return func(k float64) float64 {
		pr := pd.Predict(rate / k)
		return pr.Miss(h.out.Targets)
	}
}

// learn updates each variant's performance model with its window.
func (h *hybrid) learn() {
	p, st := h.p, &h.out.State
	if st.Variants == nil {
		st.Variants = map[string]perfmodel.State{}
	}
	models := map[string]VariantModel{}
	for _, vm := range h.in.Variants {
		models[vm.Name] = vm
	}
	h.known = make([]bool, len(p.variants))
	h.out.Variants = make([]VariantOutcome, len(p.variants))
	for i := range p.variants {
		name := p.variants[i].state.Name
		ps, step := h.learnOne(st.Variants[name], h.learnable(models[name]), i)
		if ps.Known() {
			st.Variants[name] = ps
			h.known[i] = true
		}
		h.out.Variants[i] = VariantOutcome{Name: name, Params: ps.Params, Learn: step, FitError: ps.FitError, Age: ps.Age(h.s.Now)}
	}
}

// rates is the rate one replica of each variant sustains within the objectives, with
// the feedback's credit (0 when unknown or unable).
func (h *hybrid) rates(mix perfmodel.Mix, mixOK bool) []float64 {
	models := map[string]VariantModel{}
	for _, vm := range h.in.Variants {
		models[vm.Name] = vm
	}
	rates := make([]float64, len(h.p.variants))
	for i := range h.p.variants {
		if !h.known[i] || !mixOK {
			continue
		}
		vo := &h.out.Variants[i]
		rates[i] = h.sustainable(vo.Name, vo.Params, models[vo.Name].Engine, mix) * h.credit[i]
		vo.SustainableRate = rates[i]
	}
	return rates
}

// overloadMiss is the share of a window's requests missing their objectives beyond
// which the window is not learned from: replicas whose queues build or drain are not
// in the steady state the model describes, and fitting them would make it optimistic
// just when load is highest. Such windows teach the feedback's credit instead.
const overloadMiss = 0.3

// learnable withholds the variant's latency from learning when the model's window
// missed its objectives widely.
func (h *hybrid) learnable(vm VariantModel) VariantModel {
	if lo, _, _, ok := vm.Latency.Miss(h.out.Targets); ok && lo > overloadMiss {
		vm.Observation.TTFTMean, vm.Observation.ITLMean = 0, 0
	}
	return vm
}

// sustainable is the variant's per-replica sustainable rate, from the memo when its
// inputs have not moved.
func (h *hybrid) sustainable(name string, p perfmodel.Params, e perfmodel.Engine, mix perfmodel.Mix) float64 {
	return memoisedRate(&h.out.State.Rates, name, p, e, mix, h.out.Targets, h.sizing)
}

// learnOne starts or continues learning for variant i: from its prior when it has
// one, else from a sibling variant's parameters carried over by datasheet, else from
// its first window; then it learns from the window.
func (h *hybrid) learnOne(ps perfmodel.State, vm VariantModel, i int) (perfmodel.State, perfmodel.Step) {
	if !ps.Known() {
		var transfer *perfmodel.State
		if vm.Prior == nil || vm.Prior.Validate() != nil {
			transfer = h.transferFor(i) // only when there is no prior to start from
		}
		switch {
		case vm.Prior != nil && vm.Prior.Validate() == nil:
			ps = perfmodel.NewState(*vm.Prior, h.settings.PriorUncertainty, "prior")
		case transfer != nil:
			ps = *transfer
		case vm.Observation.Requests > 0:
			first, err := perfmodel.FromObservation(h.settings.Shape, vm.Observation, vm.Engine)
			if err != nil {
				return ps, perfmodel.Step{Outcome: perfmodel.OutcomeSkipped, Why: "cannot start from the first window: " + err.Error()}
			}
			return first, perfmodel.Step{Outcome: perfmodel.OutcomeRescaled, Why: "started from the first window"}
		default:
			return ps, perfmodel.Step{Outcome: perfmodel.OutcomeSkipped, Why: "no prior, no known sibling and no window to start from"}
		}
	}
	return perfmodel.Learn(ps, vm.Observation, vm.Engine, h.s.Now)
}

// transferFor is a starting state for variant i carried over from the sibling variant
// learned from most, when both accelerators have datasheets; nil otherwise.
func (h *hybrid) transferFor(i int) *perfmodel.State {
	to, ok := perfmodel.LookupDatasheet(h.p.variants[i].state.Accelerator)
	if !ok {
		return nil
	}
	var best *perfmodel.State
	var from string
	for j := range h.p.variants {
		sib := h.p.variants[j].state
		st, known := h.out.State.Variants[sib.Name]
		if j == i || !known || !st.Known() || st.Updates == 0 {
			continue
		}
		if _, ok := perfmodel.LookupDatasheet(sib.Accelerator); !ok {
			continue
		}
		if best == nil || st.Updates > best.Updates {
			best, from = &st, sib.Accelerator
		}
	}
	if best == nil {
		return nil
	}
	fs, _ := perfmodel.LookupDatasheet(from)
	st := perfmodel.NewState(perfmodel.Transfer(best.Params, fs, to), h.settings.PriorUncertainty, "datasheet transfer from "+from)
	return &st
}
