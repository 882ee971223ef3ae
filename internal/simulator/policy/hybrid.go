package policy

import (
	"fmt"
	"math"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// TypeHybrid is WVA's HYBRID mode (EXPERIMENTAL_PROACTIVE_MODEL=true) through the
// decision core: the saturation analyser's answer as a floor under the model-based
// optimiser.
const TypeHybrid = "wva-hybrid"

// HybridSpec is a wva-hybrid entry's own keys; unset keys keep the core's defaults.
type HybridSpec struct {
	// Saturation overrides the saturation analyser's thresholds (its answer is the floor).
	Saturation *decision.SaturationConfig `json:"saturation,omitempty"`
	// Attainment is the share of requests the model is sized to keep within their
	// objectives at first (decision.ProactiveSettings.Attainment); the feedback trims
	// it from the attainment observed.
	Attainment float64 `json:"attainment,omitempty"`
	// Stabilisation is how long the planned rate must stay lower before capacity is
	// given back.
	Stabilisation simulator.Duration `json:"stabilisation,omitempty"`
	// Forecaster is "holt" or "naive".
	Forecaster string `json:"forecaster,omitempty"`
	// Priors starts every variant from its profile's true step coefficients (a perfect
	// per-accelerator ConfigMap); by default each variant starts from its first window.
	Priors bool `json:"priors,omitempty"`
	// Feedback, when false, withholds the latency histograms, so the optimiser runs
	// feed-forward only (the model's answer, no trim from the attainment observed).
	Feedback *bool `json:"feedback,omitempty"`
	// KeepWarm lets the optimiser keep one replica warm where the zero policy would
	// scale an idle model to zero (decision.ProactiveSettings.KeepWarm; off by default).
	KeepWarm bool `json:"keepWarm,omitempty"`
}

// Hybrid is the kind of the HYBRID mode; its knob is the attainment it sizes for.
func Hybrid() Kind {
	return Kind{
		Type:    TypeHybrid,
		Summary: "WVA's HYBRID mode: saturation answer as a floor under the model-based optimiser (learned latency model, forecast, cost per request)",
		New:     newHybrid,
		Knob:    hybridKnob,
	}
}

// hybridAttainments are the sizing targets the suite searches, cheapest first.
func hybridAttainments() []float64 {
	return append(linear(0.80, 0.98, 0.01), 0.985, 0.99, 0.995)
}

// hybridKnob is the attainment the optimiser sizes for.
func hybridKnob(sc *simulator.Scenario, pc simulator.PolicyConfig) (*Knob, error) {
	var spec HybridSpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	def := decision.DefaultProactiveSettings().Attainment
	if spec.Attainment > 0 {
		def = spec.Attainment
	}
	return &Knob{Name: "attainment", Steps: sameSteps(sc, hybridAttainments()), Default: sameValue(sc, def), Format: formatG}, nil
}

// hybridPolicy runs the decision core in HYBRID mode and passes each model's learned
// state back every cycle, as the engine does; it records what it predicted for charts.
type hybridPolicy struct {
	name       string
	sat        decision.SaturationConfig
	settings   []decision.ProactiveSettings // per model
	priors     bool
	noFeedback bool
	traits     simulator.Traits
	initial    simulator.Desired
	sc         *simulator.Scenario
	states     []decision.ProactiveState
	trace      []hybridPoint
}

// hybridPoint is what one decision predicted and learned, for the charts.
type hybridPoint struct {
	at     time.Duration
	models []hybridModelPoint
}

// hybridModelPoint is one model's side of a hybridPoint.
type hybridModelPoint struct {
	forecast, planned float64
	horizon           time.Duration
	predTTFT, predITL float64
	capacity, model   int
	params            []perfmodel.Params // per variant (zero when unknown)
}

func newHybrid(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error) {
	var spec HybridSpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	sat := decision.DefaultSaturationConfig()
	if spec.Saturation != nil {
		sat = mergeSaturation(sat, *spec.Saturation)
	}
	p := &hybridPolicy{name: pc.Name, sat: sat, priors: spec.Priors, noFeedback: spec.Feedback != nil && !*spec.Feedback, initial: simulator.InitialReplicas(&sc.Config), sc: sc,
		states: make([]decision.ProactiveState, len(sc.Config.Models))}
	base := decision.DefaultProactiveSettings()
	if spec.Attainment > 0 {
		base.Attainment = spec.Attainment
	}
	if spec.Stabilisation > 0 {
		base.Stabilisation = spec.Stabilisation.D()
	}
	if spec.Forecaster != "" {
		base.Forecaster = spec.Forecaster
	}
	base.KeepWarm = spec.KeepWarm
	for mi := range sc.Config.Models {
		s := base
		s.Attainment = settingOr(pc, mi, s.Attainment)
		p.settings = append(p.settings, s)
	}
	s0 := p.settings[0]
	detail := fmt.Sprintf("HYBRID: sized for %.3g%% attainment, %s forecast, scale-down after %v stable; saturation %s floor",
		100*s0.Attainment, s0.Forecaster, s0.Stabilisation, cmpOr(sat.Version, decision.SaturationV1))
	if spec.Priors {
		detail += "; priors from the profiles"
	}
	if spec.KeepWarm {
		detail += "; keep-warm on"
	}
	p.traits = simulator.Traits{Interval: sc.Interval(pc), WakeWithin: WakeWithin, Type: TypeHybrid, Detail: detail}
	return p, nil
}

// Name labels the policy.
func (p *hybridPolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *hybridPolicy) Traits() simulator.Traits { return p.traits }

// Initial is the configured starting replicas.
func (p *hybridPolicy) Initial() simulator.Desired { return p.initial }

// Decide runs the core in HYBRID mode over every model.
func (p *hybridPolicy) Decide(v *simulator.View) (simulator.Desired, error) {
	snaps := make([]decision.Snapshot, len(v.Models))
	index := make(map[[2]string]int, len(v.Models))
	for i := range v.Models {
		snaps[i] = v.Models[i].Snapshot
		snaps[i].Saturation = p.sat
		snaps[i].Proactive = p.input(i, &v.Models[i])
		index[[2]string{snaps[i].Namespace, snaps[i].ModelID}] = i
	}
	out := make(simulator.Desired, len(v.Models))
	point := hybridPoint{at: v.Now, models: make([]hybridModelPoint, len(v.Models))}
	for _, r := range decision.DecideCycle(snaps, v.FreeGPUs) {
		if r.Err != nil {
			return nil, fmt.Errorf("decision core: %w", r.Err)
		}
		mi := index[[2]string{r.Namespace, r.ModelID}]
		if pr := r.Decision.Proactive; pr != nil {
			p.states[mi] = pr.State
			point.models[mi] = record(v.Models[mi].Config, pr)
		}
		desired, err := byVariantOrder(v.Models[mi].Config, r.Decision)
		if err != nil {
			return nil, err
		}
		out[mi] = desired
	}
	p.trace = append(p.trace, point)
	return out, nil
}

// input builds model mi's HYBRID input from the view, as the engine builds it from the
// collector's queries and the serviceclass ConfigMap.
func (p *hybridPolicy) input(mi int, mv *simulator.ModelView) *decision.ProactiveInput {
	obs := mv.Observations
	in := &decision.ProactiveInput{Settings: p.settings[mi], Traffic: obs.Traffic, State: p.states[mi], Interval: p.traits.Interval}
	for ci, c := range mv.Config.Classes {
		sc := decision.ServiceClass{Name: c.Name, Priority: max(c.Priority, 1), TTFT: c.SLO.TTFT.D(), ITL: c.SLO.ITL.D()}
		if ci < len(obs.ClassShares) {
			sc.Share = obs.ClassShares[ci]
		}
		in.Classes = append(in.Classes, sc)
	}
	if len(in.Classes) == 0 {
		in.Classes = []decision.ServiceClass{{Name: "slo", Priority: 1, TTFT: mv.Config.SLO.TTFT.D(), ITL: mv.Config.SLO.ITL.D()}}
	}
	for vi, vc := range mv.Config.Variants {
		sp := p.sc.EngineParams(mi, vi)
		vm := decision.VariantModel{Name: vc.Name, StartupTime: vc.StartupDelay.D(),
			Engine: perfmodel.Engine{MaxNumSeqs: sp.MaxNumSeqs, MaxBatchedTokens: sp.MaxNumBatchedTokens, KVTokens: sp.KVCapacityTokens()}}
		if vi < len(obs.Variants) {
			vm.Observation = obs.Variants[vi]
		}
		if vi < len(obs.Latency) && !p.noFeedback {
			vm.Latency = obs.Latency[vi]
		}
		if p.priors {
			vm.Prior = &perfmodel.Params{Alpha: sp.Alpha.Seconds(), Beta: sp.Beta.Seconds(), Gamma: sp.Gamma.Seconds()}
		}
		in.Variants = append(in.Variants, vm)
	}
	return in
}

// record keeps what the decision predicted, per variant in configuration order.
func record(mc *simulator.ModelConfig, pr *decision.ProactiveOutcome) hybridModelPoint {
	pt := hybridModelPoint{forecast: pr.Forecast.Rate, planned: pr.Forecast.Planned, horizon: pr.Forecast.Horizon,
		predTTFT: pr.PredictedTTFT, predITL: pr.PredictedITL, capacity: pr.CapacityReplicas, model: pr.ModelReplicas}
	for _, vc := range mc.Variants {
		var vo decision.VariantOutcome
		for _, o := range pr.Variants {
			if o.Name == vc.Name {
				vo = o
			}
		}
		pt.params = append(pt.params, vo.Params)
	}
	return pt
}

// cmpOr returns a unless it is empty.
func cmpOr(a, b decision.SaturationVersion) decision.SaturationVersion {
	if a != "" {
		return a
	}
	return b
}

// nan is a gap in a chart line.
func nan() float64 { return math.NaN() }

// Plots are, per model, the forecast against the load that came, the predicted p95
// latencies against the observed ones, and the learned parameters over time.
func (p *hybridPolicy) Plots(observed *simulator.PolicyResult, load []simulator.LoadSeries) []simulator.Plot {
	var out []simulator.Plot
	for mi := range p.sc.Config.Models {
		mc := &p.sc.Config.Models[mi]
		out = append(out, p.forecastPlot(mi, mc, load), p.answersPlot(mi, mc), p.latencyPlot(mi, mc, observed), p.paramsPlot(mi, mc))
	}
	return out
}

// forecastPlot draws the arrival rate that came, the rate forecast for each instant
// (made one horizon before it) and the planned rate with headroom.
func (p *hybridPolicy) forecastPlot(mi int, mc *simulator.ModelConfig, load []simulator.LoadSeries) simulator.Plot {
	pl := simulator.Plot{Title: "Forecast against the load, " + mc.Name, XLabel: "time (min)", YLabel: "requests/s"}
	for _, l := range load {
		if l.Model == mc.Name {
			pl.Lines = append(pl.Lines, line("arrivals", false, minutes(l.TimesSeconds), l.Rate))
		}
	}
	var fx, fy, px, py []float64
	for _, pt := range p.trace {
		m := pt.models[mi]
		if m.horizon == 0 {
			continue
		}
		at := pt.at + m.horizon
		fx, fy = append(fx, at.Minutes()), append(fy, m.forecast)
		px, py = append(px, pt.at.Minutes()), append(py, m.planned)
	}
	pl.Lines = append(pl.Lines, line("forecast for that time (made one horizon earlier)", true, fx, fy), line("planned at decision (with headroom)", false, px, py))
	return pl
}

// answersPlot draws both answers of every decision: the saturation analyser's (the
// floor) and the model-based optimiser's, in replicas.
func (p *hybridPolicy) answersPlot(mi int, mc *simulator.ModelConfig) simulator.Plot {
	pl := simulator.Plot{Title: "Capacity answer (the floor) and model answer, " + mc.Name, XLabel: "time (min)", YLabel: "replicas"}
	var x, c, m []float64
	for _, pt := range p.trace {
		pm := pt.models[mi]
		if pm.horizon == 0 {
			continue // the optimiser did not run
		}
		x = append(x, pt.at.Minutes())
		c, m = append(c, float64(pm.capacity)), append(m, float64(pm.model))
	}
	pl.Lines = []simulator.PlotLine{line("capacity answer", false, x, c), line("model answer", false, x, m)}
	return pl
}

// latencyPlot draws the p95 latencies the optimiser expected at its chosen allocation
// against those observed per bucket.
func (p *hybridPolicy) latencyPlot(mi int, mc *simulator.ModelConfig, observed *simulator.PolicyResult) simulator.Plot {
	scope := ""
	if len(p.sc.Config.Models) > 1 {
		scope = " (observed: all)"
	}
	pl := simulator.Plot{Title: "p95 latency, observed and predicted (dashed), " + mc.Name + scope,
		XLabel: "time (min)", YLabel: "seconds", LogY: true}
	s := observed.Series
	pl.Lines = append(pl.Lines, line("TTFT", false, minutes(s.TimesSeconds), deref(s.TTFTP95)))
	var x, t, i []float64
	for _, pt := range p.trace {
		m := pt.models[mi]
		x = append(x, pt.at.Minutes())
		t, i = append(t, positive(m.predTTFT)), append(i, positive(m.predITL))
	}
	pl.Lines = append(pl.Lines, line("TTFT predicted", true, x, t), line("ITL", false, minutes(s.TimesSeconds), deref(s.ITLP95)), line("ITL predicted", true, x, i))
	return pl
}

// paramsPlot draws, for the variant learned from most, each step coefficient over the
// profile's value, and the learned dispersion.
func (p *hybridPolicy) paramsPlot(mi int, mc *simulator.ModelConfig) simulator.Plot {
	vi := 0
	if n := len(p.trace); n > 0 {
		best := -1
		for k := range mc.Variants {
			st := p.states[mi].Variants[mc.Variants[k].Name]
			if st.Updates > best {
				vi, best = k, st.Updates
			}
		}
	}
	sp := p.sc.EngineParams(mi, vi)
	pl := simulator.Plot{Title: fmt.Sprintf("Learned parameters of %s / %s (÷ the profile's value; dispersion as is)", mc.Name, mc.Variants[vi].Name),
		XLabel: "time (min)", YLabel: "ratio", LogY: true}
	var x, a, b, g, d []float64
	for _, pt := range p.trace {
		pr := pt.models[mi].params
		if vi >= len(pr) || pr[vi].Alpha == 0 {
			continue
		}
		x = append(x, pt.at.Minutes())
		a = append(a, pr[vi].Alpha/sp.Alpha.Seconds())
		b = append(b, pr[vi].Beta/sp.Beta.Seconds())
		g = append(g, pr[vi].Gamma/sp.Gamma.Seconds())
		d = append(d, math.Max(1, pr[vi].Dispersion))
	}
	pl.Lines = []simulator.PlotLine{line("α (step overhead)", false, x, a), line("β (per token)", false, x, b),
		line("γ (per KV token read)", false, x, g), line("dispersion", false, x, d)}
	return pl
}

// line builds a chart line; NaN and non-positive values on log charts leave gaps.
func line(name string, dashed bool, x, y []float64) simulator.PlotLine {
	l := simulator.PlotLine{Name: name, Dashed: dashed, X: x, Y: make([]*float64, len(y))}
	for i := range y {
		if !math.IsNaN(y[i]) && !math.IsInf(y[i], 0) {
			v := y[i]
			l.Y[i] = &v
		}
	}
	return l
}

// minutes converts seconds to minutes.
func minutes(s []float64) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = v / 60
	}
	return out
}

// deref turns nullable values into NaN gaps.
func deref(xs []*float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = nan()
		if x != nil {
			out[i] = *x
		}
	}
	return out
}

// positive is v, or a gap when it is not a positive number.
func positive(v float64) float64 {
	if v > 0 {
		return v
	}
	return nan()
}
