package decision

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/decision/solve"
)

// The HYBRID cycle: the optimiser's run over a plan (learn, forecast, size, solve) and
// its arbitration with the capacity answer; learning, holding and explaining are in
// hybrid_learn.go, hybrid_hold.go and hybrid_explain.go.

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
