package decision

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/feedback"
	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/decision/solve"
)

// reportQuantile is the percentile of latency reasons and metrics name.
const reportQuantile = 0.95

// minDemand keeps at least one replica's worth of capacity for a model that is not
// scaled to zero.
const minDemand = 1e-6

// runProactive is the HYBRID mode's second step, after the rules have built the plan:
// the model-based optimiser learns, forecasts and sizes the model, and its answer is
// arbitrated with the capacity answer already in the plan, which stays a floor. When the
// saturation analyser did not run (safety net, zero policy, a model at zero) the plan is
// left alone and the learned state passes through unchanged; only the opt-in
// ProactiveSettings.KeepWarm lets it overrule the zero policy.
func (p *plan) runProactive(s *Snapshot) {
	in := s.Proactive
	out := &ProactiveOutcome{State: cloneState(in.State)}
	for name, m := range p.rankRates {
		if out.State.RankRates == nil {
			out.State.RankRates = map[string]RateMemo{}
		}
		out.State.RankRates[name] = m
	}
	p.pruneMemos(&out.State)
	p.proactive = out
	settings, err := in.Settings.withDefaults()
	if a := p.analysis.Analyzer; a == AnalyzerScaleToZero && err == nil && settings.KeepWarm {
		p.keepWarm(s, settings, out)
		return
	}
	if a := p.analysis.Analyzer; a != AnalyzerSaturationV1 && a != AnalyzerSaturationV2 {
		out.Why = fmt.Sprintf("model not run: %s decided", a)
		return
	}
	if err != nil {
		p.notRun(out, "invalid proactive settings: "+err.Error())
		return
	}
	h := hybrid{p: p, in: in, s: s, out: out, settings: settings}
	h.run()
}

// notRun records why the optimiser left the capacity answer alone, in the reason too.
func (p *plan) notRun(out *ProactiveOutcome, why string) {
	out.Why = why
	p.reason += "; model-based optimiser not run: " + why
}

// hybrid is one run of the optimiser over a plan.
type hybrid struct {
	p        *plan
	in       *ProactiveInput
	s        *Snapshot
	out      *ProactiveOutcome
	settings ProactiveSettings
	sloWhy   string
	known    []bool    // per plan variant: parameters learned
	credit   []float64 // per plan variant: the feedback's factor on its sustainable rate
	sizing   float64   // the attainment the model sizes for (the feedback's trim)
	demand   float64   // the rate the solver sizes for: planned rate and backlog
}

func (h *hybrid) run() {
	p, out := h.p, h.out
	var prio int
	out.Targets, prio, h.sloWhy = resolveTargets(h.in.Classes)
	out.Priority, p.analysis.Priority = prio, prio
	fo, mix, ok := h.forecast()
	out.Forecast = fo
	h.learn()
	h.feedback()
	rates := h.rates(mix, ok)
	if !ok {
		p.notRun(out, "no token mix observed yet")
		return
	}
	if !slices.ContainsFunc(rates, func(r float64) bool { return r > 0 }) {
		p.notRun(out, "no variant is known to meet the objectives yet ("+h.sloWhy+")")
		return
	}
	keep, keepWhy := h.stabilise(fo.Planned, fo, rates)
	out.Keep = keep
	keepRates := h.keepRates(rates)
	capacity := h.capacityAnswer()
	backlog := h.backlog(rates, fo.Horizon)
	h.demand = math.Max(fo.Planned+backlog, minDemand)
	problem := solve.Problem{Demand: h.demand, Keep: keep}
	p.share = &share{demand: problem.Demand, rates: rates, satDown: -1}
	for i := range p.variants {
		sv := h.solverVariant(i, rates[i], capacity[i])
		if sv.Rate > 0 {
			sv.KeepRate = keepRates[i]
		}
		problem.Variants = append(problem.Variants, sv)
		p.share.floors = append(p.share.floors, sv.Floor)
		lo, _, _, _ := p.variants[i].bounds()
		p.share.mins = append(p.share.mins, lo)
	}
	p.share.satDown = p.satDownVariant(capacity)
	res := solve.Solve(problem)
	out.Short = res.Short
	h.apply(res, capacity, rates, fo, keepWhy)
	// What the model would keep without the stabilisation period, for a cycle whose
	// shared GPUs run short elsewhere (giveBack): neither its highest planned rate nor
	// its lowest rates per replica.
	problem.Keep = problem.Demand
	for i := range problem.Variants {
		problem.Variants[i].KeepRate = 0
	}
	lean := solve.Solve(problem)
	p.lean = lean.Counts
}

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

// backlog is the rate the model's queued requests add to the demand: each replica's
// waiting requests drained over the horizon (at most the replica's own rate: a replica
// busy clearing its queue takes no new arrival), and the requests waiting upstream.
func (h *hybrid) backlog(rates []float64, horizon time.Duration) float64 {
	if horizon <= 0 {
		return 0
	}
	idx := h.p.index()
	total := 0.0
	for _, r := range h.s.Replicas {
		i, ok := idx[r.Variant]
		if !ok || !(r.Waiting > 0) {
			continue
		}
		total += math.Min(r.Waiting/horizon.Seconds(), rates[i])
	}
	if d := h.s.WaitingDemand; d.Known && d.Requests > 0 {
		total += float64(d.Requests) / horizon.Seconds()
	}
	return total
}

// forecast updates the traffic forecast with the window and reads it at the horizon new
// capacity needs: the slowest variant's start-up time plus one interval.
func (h *hybrid) forecast() (forecast.Forecast, perfmodel.Mix, bool) {
	fc, _ := forecast.New(h.settings.Forecaster) // validated in withDefaults
	st := &h.out.State
	st.Forecast = fc.Update(st.Forecast, h.in.Traffic, h.s.Now)
	startup := time.Duration(0)
	for _, vm := range h.in.Variants {
		startup = max(startup, cmp.Or(vm.StartupTime, h.settings.DefaultStartup))
	}
	if len(h.in.Variants) == 0 {
		startup = h.settings.DefaultStartup
	}
	fo := fc.At(st.Forecast, startup+h.in.Interval)
	mix := fo.Mix
	if mix.Validate() != nil {
		mix = h.in.Traffic.Mix
	}
	return fo, mix, mix.Validate() == nil
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

// stabilise records the planned rate and returns the rate capacity must still cover
// after a removal: the highest planned rate of the stabilisation period, or +Inf until
// the history spans one. Early in an idle spell (see idleHold) the period stretches
// over the spell, so that capacity outlasts the lulls of on/off traffic; once the hold
// has passed, what it kept is released in step over a second hold (see idleTaper).
func (h *hybrid) stabilise(planned float64, fo forecast.Forecast, rates []float64) (float64, string) {
	st, now, window := &h.out.State, h.s.Now, h.settings.Stabilisation
	hold := idleHold(fo)
	memory, taper := window, idleTaper(fo, hold)
	switch {
	case fo.Idle > 0 && fo.Idle < hold:
		window = max(window, fo.Idle+window)
		memory = window
	case taper > 0:
		memory = fo.Idle + window
	}
	if st.Since.IsZero() || now.Before(st.Since) {
		st.Since = now
	}
	kept := st.Planned[:0:0]
	for _, pr := range st.Planned {
		if !pr.At.Before(now.Add(-memory)) && pr.At.Before(now) {
			kept = append(kept, pr)
		}
	}
	pr := PlannedRate{At: now, Rate: planned, Rates: make(map[string]float64, len(rates))}
	for i, r := range rates {
		if r > 0 {
			pr.Rates[h.p.variants[i].state.Name] = r
		}
	}
	kept = append(kept, pr)
	st.Planned = kept
	if span := now.Sub(st.Since); span < window {
		return math.Inf(1), fmt.Sprintf("scale-down waits: %v of the %v stabilisation period observed", span.Round(time.Second), window)
	}
	keep, held := 0.0, 0.0
	for _, pr := range st.Planned {
		held = math.Max(held, pr.Rate)
		if !pr.At.Before(now.Add(-window)) {
			keep = math.Max(keep, pr.Rate)
		}
	}
	if taper*held > keep {
		return taper * held, fmt.Sprintf("%.0f%% of the %s/s held over the idle spell, released in step over %v", 100*taper, fmtNum(round3(held)), hold)
	}
	return keep, fmt.Sprintf("highest planned rate of the last %v %s/s", window, fmtNum(round3(keep)))
}

// keepRates is, per plan variant, the lowest rate one replica was counted to sustain over
// the last stabilisation period, but no more than keepRateSpread below its rate now: a
// removal must leave enough capacity for the period's highest planned rate at the lowest
// recent rate per replica. Judged at this cycle's rate alone, a removal at the edge of
// the need came back a cycle later when the rate estimate moved by a few percent: on the
// code assistant's bursts the fleet went 3, 2, 3, 2, 3 H100s in five minutes of steady
// load. The period is the configured one also over an idle spell, where stabilise
// stretches the period of planned rates: over the stretched period the busy minutes'
// rates cost 1.1% more on the code assistant (seeds 1-24) for 0.03 points of attainment.
func (h *hybrid) keepRates(rates []float64) []float64 {
	out := slices.Clone(rates)
	from := h.s.Now.Add(-h.settings.Stabilisation)
	for _, pr := range h.out.State.Planned {
		if pr.At.Before(from) {
			continue
		}
		for i := range out {
			if r, ok := pr.Rates[h.p.variants[i].state.Name]; ok && r > 0 {
				out[i] = math.Min(out[i], math.Max(r, (1-keepRateSpread)*rates[i]))
			}
		}
	}
	return out
}

// keepRateSpread is how far below this cycle's rate keepRates goes.
const keepRateSpread = 0.1

// idleHold is how long into an idle spell (traffic below a fifth of its recent peak)
// the stabilisation period keeps being extended, so that capacity outlasts the lulls
// this traffic comes back from: at least minIdleHold, else one and a half times the
// longest recent lull, at most maxIdleHold. Beyond it the capacity goes (and the zero
// policy may take the model to zero), in step over a second hold (see idleTaper).
func idleHold(fo forecast.Forecast) time.Duration {
	return max(minIdleHold, min(time.Duration(1.5*float64(fo.Gap)), maxIdleHold))
}

// idleTaper is the share of the rate held over an idle spell still kept once the hold
// has passed: 1 at its end, falling in step to 0 one hold later. Let go of at once,
// the capacity held over a lull a little longer than the hold went just before the
// burst that ended it: on the code assistant's seed 5 an 11.5-minute lull took three
// H100s to one, and the burst queued for three minutes on it.
func idleTaper(fo forecast.Forecast, hold time.Duration) float64 {
	if fo.Idle < hold || fo.Idle >= 2*hold {
		return 0
	}
	return 1 - float64(fo.Idle-hold)/float64(hold)
}

// minIdleHold and maxIdleHold bound idleHold.
const (
	minIdleHold = 10 * time.Minute
	maxIdleHold = 30 * time.Minute
)

// capacityAnswer is what the saturation analyser asked for per variant, its scale-ups
// counted as granted.
func (h *hybrid) capacityAnswer() []int {
	p := h.p
	answer := make([]int, len(p.variants))
	for i := range p.variants {
		answer[i] = p.variants[i].desired
	}
	for _, r := range p.requests {
		answer[r.variant] += min(r.replicas, p.variants[r.variant].headroom())
	}
	return answer
}

// solverVariant describes one variant to the solver. The capacity answer is a floor
// for every variant (its minimum and the saturation analyser's answer for it, whichever
// is higher): the model may add replicas ahead of saturation, never remove replicas
// saturation says are needed, so the model's total capacity never falls below the
// capacity answer's either (GPUs permitting; sharing scarce GPUs may move one replica of
// v1's scale-down to another variant, swapGiver). A change in flight is never cut short, and a variant whose
// parameters are not known yet is left at the capacity answer.
func (h *hybrid) solverVariant(i int, rate float64, capAnswer int) solve.Variant {
	v := &h.p.variants[i]
	sv := solve.Variant{Name: v.state.Name, Cost: v.state.Cost, Rate: rate, Current: v.base, Max: -1}
	// The VA's bounds and those of an HPA or ScaledObject on the target, so the solver
	// never places replicas that the bounds would take away again.
	lo, _, hi, _ := v.bounds()
	if hi != unbounded {
		sv.Max = hi
	}
	sv.Floor = max(lo, capAnswer)
	if !h.known[i] {
		sv.Max, sv.Rate = capAnswer, 0
	}
	if v.inFlight {
		sv.Floor = max(sv.Floor, v.base)
	}
	if sv.Max >= 0 {
		sv.Max = max(sv.Max, sv.Floor)
	}
	return sv
}

// apply arbitrates: the solver's counts already sit at or above the capacity answer of
// every variant, so they are the answer; increases go to the GPU limiter as scale-ups with the
// other variants as alternatives (cheapest per request first), decreases apply at once.
func (h *hybrid) apply(res solve.Result, capacity []int, rates []float64, fo forecast.Forecast, keepWhy string) {
	p, out := h.p, h.out
	p.requests = nil
	capTotal, modelTotal := 0, 0
	order := make([]int, 0, len(p.variants))
	for i := range p.variants {
		capTotal += capacity[i]
		modelTotal += res.Counts[i]
		if rates[i] > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(p.variants[a].state.Cost/rates[a], p.variants[b].state.Cost/rates[b]), cmp.Compare(a, b))
	})
	out.CapacityReplicas, out.ModelReplicas, out.Ran = capTotal, modelTotal, true
	h.predictAt(res, rates, fo)
	summary := h.summary(res, fo, keepWhy, capTotal, modelTotal, rates)
	p.reason = "hybrid: " + summary
	for i := range p.variants {
		v := &p.variants[i]
		vo := &out.Variants[i]
		vo.CapacityAnswer, vo.ModelAnswer = capacity[i], res.Counts[i]
		why := fmt.Sprintf("hybrid: capacity answer %d, model answer %d (sustains %s/s per replica", capacity[i], res.Counts[i], fmtNum(round3(rates[i])))
		if vo.PredictedTTFT > 0 {
			why += fmt.Sprintf("; predicted p95 TTFT %s, ITL %s", ms(vo.PredictedTTFT), ms(vo.PredictedITL))
		}
		why += "); " + summary
		target := res.Counts[i]
		if target > v.base {
			var alts []int
			for _, j := range order {
				if j != i {
					alts = append(alts, j)
				}
			}
			v.desired = v.base
			v.reason = why
			p.requests = append(p.requests, scaleUp{variant: i, replicas: target - v.base, alternatives: alts,
				prefix: why, label: "variant", rates: rates, demand: h.demand,
				floor: max(0, min(target, capacity[i])-v.base)})
			p.analysis.ScaleUpNeeded = true
			continue
		}
		v.desired = target
		v.reason = why
	}
	if need := math.Max(fo.Planned, minDemand); res.Short > 0 || modelTotal > capTotal {
		p.analysis.Need = math.Max(p.analysis.Need, math.Min(1, (need-currentCapacity(p, rates))/need))
	}
}

// currentCapacity is the sustainable rate of the replicas the model has (or is heading
// to), by the model's rates.
func currentCapacity(p *plan, rates []float64) float64 {
	c := 0.0
	for i := range p.variants {
		c += float64(p.variants[i].base) * rates[i]
	}
	return c
}

// predictAt fills the p95 latencies each variant is expected to show at the chosen
// allocation, with the planned rate spread over replicas in proportion to capacity.
func (h *hybrid) predictAt(res solve.Result, rates []float64, fo forecast.Forecast) {
	if res.Capacity <= 0 {
		return
	}
	models := map[string]VariantModel{}
	for _, vm := range h.in.Variants {
		models[vm.Name] = vm
	}
	mix := fo.Mix
	if mix.Validate() != nil {
		mix = h.in.Traffic.Mix
	}
	for i := range h.p.variants {
		vo := &h.out.Variants[i]
		if res.Counts[i] == 0 || rates[i] <= 0 {
			continue
		}
		perReplica := math.Max(fo.Planned, 0) * rates[i] / res.Capacity
		pr := perfmodel.Predict(vo.Params, models[vo.Name].Engine, mix, perReplica)
		vo.PredictedTTFT, vo.PredictedITL = pr.TTFTQuantile(reportQuantile), pr.ITLQuantile(reportQuantile)
		h.out.PredictedTTFT = math.Max(h.out.PredictedTTFT, vo.PredictedTTFT)
		h.out.PredictedITL = math.Max(h.out.PredictedITL, vo.PredictedITL)
	}
}

// summary phrases both answers and the figures they rest on, for the model's reason.
func (h *hybrid) summary(res solve.Result, fo forecast.Forecast, keepWhy string, capTotal, modelTotal int, rates []float64) string {
	var per []string
	for i := range h.p.variants {
		per = append(per, fmt.Sprintf("%s %s/s (credit %s)", h.p.variants[i].state.Name, fmtNum(round3(rates[i])), fmtNum(round3(h.credit[i]))))
	}
	return fmt.Sprintf("capacity answer %d replica(s) (%s), model answer %d (%s); forecast %s req/s in %v, planned %s with headroom %s; %s; per-replica rate within objectives (sized for %s%%, with the feedback's credit): %s (%s); predicted p95 TTFT %s, ITL %s at the chosen allocation; %s",
		capTotal, h.capacityWhy(), modelTotal, res.Reason, fmtNum(round3(fo.Rate)), fo.Horizon.Round(time.Second),
		fmtNum(round3(fo.Planned)), fmtNum(round3(fo.Headroom)), keepWhy, fmtNum(round3(100*h.sizing)), strings.Join(per, ", "),
		h.feedbackWhy(), ms(h.out.PredictedTTFT), ms(h.out.PredictedITL), h.sloWhy)
}

// feedbackWhy phrases the credit's grounds.
func (h *hybrid) feedbackWhy() string {
	b := h.out.State.Budget
	if b.Updated.IsZero() {
		return "no attainment observed yet"
	}
	return fmt.Sprintf("observed attainment %.1f%% over the last windows against a goal of %s%%", 100*b.Attainment, fmtNum(round3(100*h.settings.Feedback.Goal)))
}

// capacityWhy is the saturation analyser's own verdict, shortened.
func (h *hybrid) capacityWhy() string {
	r := h.p.reason
	if i := strings.Index(r, "; model-based"); i >= 0 {
		r = r[:i]
	}
	return "saturation " + r
}

// round3 keeps three significant digits for reasons.
func round3(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	scale := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(f))))
	return math.Round(f*scale) / scale
}

// pruneMemos drops the remembered rates of variants the model no longer has.
func (p *plan) pruneMemos(st *ProactiveState) {
	gone := func(name string, _ RateMemo) bool {
		return !slices.ContainsFunc(p.variants, func(v variantPlan) bool { return v.state.Name == name })
	}
	maps.DeleteFunc(st.Rates, gone)
	maps.DeleteFunc(st.RankRates, gone)
}

// cloneState copies the state so the caller's maps and slices are never written, and
// drops planned rates that are not finite, non-negative numbers (a corrupted status).
func cloneState(s ProactiveState) ProactiveState {
	s.Variants = maps.Clone(s.Variants)
	s.Rates = maps.Clone(s.Rates)
	s.RankRates = maps.Clone(s.RankRates)
	s.Planned = slices.DeleteFunc(slices.Clone(s.Planned), func(p PlannedRate) bool {
		return !(p.Rate >= 0) || math.IsInf(p.Rate, 1)
	})
	return s
}
