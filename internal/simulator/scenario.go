package simulator

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// traceCredit acknowledges the shared trace's publisher, as its CC-BY licence asks.
const traceCredit = "Azure LLM inference trace 2023 (Microsoft Azure, Azure Public Dataset, CC-BY; Patel et al., Splitwise, ISCA 2024)"

// Scenario is a configuration made ready to simulate: profiles resolved, arrivals built,
// and (when a policy needs them) sustainable rates calibrated. Every policy of a
// comparison runs on the same Scenario.
type Scenario struct {
	// Config is the effective configuration (defaults filled).
	Config Config
	// Workload is the merged arrivals of every model.
	Workload *Workload
	// TracePath is the trace the workload was read from, if any.
	TracePath string

	params       [][]servermodel.Params
	accelerators [][]string

	calibration sync.Mutex  // guards the lazy calibration below, so runs may share the scenario
	capacity    [][]float64 // sustainable requests/s per replica; nil until calibrated
	tokens      [][]float64 // mean KV tokens in use at that rate
}

// NewScenario resolves the config's profiles and builds its workload. trace, when not
// empty, replaces the trace path of trace-driven loads.
func NewScenario(c Config, trace string) (*Scenario, error) {
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	sc := &Scenario{Config: c, TracePath: trace}
	if trace == "" {
		sc.TracePath = c.Load.Trace
	}
	for mi := range sc.Config.Models {
		var ps []servermodel.Params
		var accs []string
		for _, v := range sc.Config.Models[mi].Variants {
			prof, err := servermodel.LoadProfile(v.Profile)
			if err != nil {
				return nil, fmt.Errorf("%w: variant %q: %w", ErrConfig, v.Name, err)
			}
			p, err := prof.Params()
			if err != nil {
				return nil, fmt.Errorf("variant %q: %w", v.Name, err)
			}
			acc := v.Accelerator
			if acc == "" {
				acc = prof.Accelerator.Name
			}
			ps, accs = append(ps, p), append(accs, acc)
		}
		sc.params, sc.accelerators = append(sc.params, ps), append(sc.accelerators, accs)
	}
	wl, err := BuildWorkload(&sc.Config, trace)
	if err != nil {
		return nil, err
	}
	sc.Workload = wl
	return sc, nil
}

// Capacities returns, per model and variant, the request rate one replica sustains
// within the model's SLO at its attainment target, calibrated once by simulating the
// model's own request mix through the variant's engine model. It is safe to call from
// concurrent runs.
func (sc *Scenario) Capacities() ([][]float64, error) {
	sc.calibration.Lock()
	defer sc.calibration.Unlock()
	return sc.calibrate()
}

// calibrate computes the capacities once; the caller holds the lock.
func (sc *Scenario) calibrate() ([][]float64, error) {
	if sc.capacity != nil {
		return sc.capacity, nil
	}
	out := make([][]float64, len(sc.Config.Models))
	tokens := make([][]float64, len(sc.Config.Models))
	for mi := range sc.Config.Models {
		m := &sc.Config.Models[mi]
		mix := sc.mix(mi)
		for vi := range m.Variants {
			seed := sc.Config.Seed + uint64(vi)
			rate, err := sustainableRate(sc.params[mi][vi], mix, m, seed)
			if err != nil {
				return nil, fmt.Errorf("calibrate %s/%s: %w", m.Name, m.Variants[vi].Name, err)
			}
			held := 0.0
			if rate > 0 {
				r, err := trial(sc.params[mi][vi], fitting(mix, sc.params[mi][vi]), m, rate, seed)
				if err != nil {
					return nil, fmt.Errorf("calibrate %s/%s: %w", m.Name, m.Variants[vi].Name, err)
				}
				held = r.held
			}
			out[mi], tokens[mi] = append(out[mi], rate), append(tokens[mi], held)
		}
	}
	sc.capacity, sc.tokens = out, tokens
	return out, nil
}

// TokensAtCapacity returns, per model and variant, the mean KV-cache tokens one replica
// holds when serving its sustainable rate: a compute-bound token capacity for WVA v2.
func (sc *Scenario) TokensAtCapacity() ([][]float64, error) {
	sc.calibration.Lock()
	defer sc.calibration.Unlock()
	if _, err := sc.calibrate(); err != nil {
		return nil, err
	}
	return sc.tokens, nil
}

// mix samples at most 4096 of model mi's requests, evenly through the period, as the
// request mix for calibration.
func (sc *Scenario) mix(mi int) []arrival {
	var all []arrival
	for _, a := range sc.Workload.arrivals {
		if a.model == mi {
			all = append(all, a)
		}
	}
	const most = 4096
	if len(all) <= most {
		return all
	}
	out := make([]arrival, 0, most)
	for i := range most {
		out = append(out, all[i*len(all)/most])
	}
	return out
}

// EngineParams are the engine parameters of model mi's variant vi: what the controller
// knows of a replica's engine (max_num_seqs, max_num_batched_tokens and the KV cache from
// vllm:cache_config_info) and, for charts, the step coefficients a learner should find.
func (sc *Scenario) EngineParams(mi, vi int) servermodel.Params { return sc.params[mi][vi] }

// Accelerator is the GPU type of model mi's variant vi.
func (sc *Scenario) Accelerator(mi, vi int) string { return sc.accelerators[mi][vi] }

// Interval is the policy's own decision interval, else the config's.
func (sc *Scenario) Interval(pc PolicyConfig) time.Duration {
	if pc.Interval > 0 {
		return pc.Interval.D()
	}
	return sc.Config.DecisionInterval.D()
}

// Summary describes the scenario for results.
func (sc *Scenario) Summary() ScenarioSummary {
	c := &sc.Config
	sc.calibration.Lock()
	caps, tokens := sc.capacity, sc.tokens
	sc.calibration.Unlock()
	s := ScenarioSummary{
		Requests: sc.Workload.Len(), DurationSeconds: sc.Workload.End.Seconds(), Seed: c.Seed,
		DecisionIntervalSeconds: c.DecisionInterval.D().Seconds(), ScrapeIntervalSeconds: c.ScrapeInterval.D().Seconds(),
		ResolutionSeconds: c.Resolution.D().Seconds(),
	}
	if sc.usesTrace() {
		s.Trace, s.Credit = filepath.Base(sc.TracePath), traceCredit
	}
	for mi := range c.Models {
		m := &c.Models[mi]
		ms := ModelSummary{Name: m.Name, Requests: sc.Workload.perModel[mi], SLO: m.SLO, Classes: m.Classes,
			AttainmentTarget: m.AttainmentTarget, LoadStepsSeconds: seconds(sc.Workload.Steps[mi])}
		for vi, v := range m.Variants {
			vs := VariantSummary{Name: v.Name, Profile: v.Profile, Accelerator: sc.accelerators[mi][vi], Cost: v.Cost,
				StartupDelay: v.StartupDelay.D().String()}
			if caps != nil {
				vs.SustainableRate, vs.TokensAtSustainableRate = caps[mi][vi], tokens[mi][vi]
			}
			ms.Variants = append(ms.Variants, vs)
		}
		s.Models = append(s.Models, ms)
	}
	return s
}

// usesTrace reports whether some model's load comes from a trace.
func (sc *Scenario) usesTrace() bool {
	if sc.Config.Load.Pattern == nil && sc.TracePath != "" {
		return true
	}
	for _, m := range sc.Config.Models {
		if m.Load != nil && m.Load.Pattern == nil && m.Load.Trace != "" {
			return true
		}
	}
	return false
}

// LoadSeries is each model's arrival rate per resolution bucket, from the start to the
// end of the period (the last bucket may be shorter, its rate over its own length).
func (sc *Scenario) LoadSeries() []LoadSeries {
	res := sc.Config.Resolution.D()
	end := sc.Workload.End
	n := max(1, int((end+res-1)/res))
	out := make([]LoadSeries, len(sc.Config.Models))
	for mi := range out {
		out[mi] = LoadSeries{Model: sc.Config.Models[mi].Name, Rate: make([]float64, n)}
		for b := range n {
			out[mi].TimesSeconds = append(out[mi].TimesSeconds, (time.Duration(b) * res).Seconds())
		}
	}
	last := end - time.Duration(n-1)*res
	for _, a := range sc.Workload.arrivals {
		b := min(int(a.at/res), n-1)
		span := res
		if b == n-1 && last > 0 {
			span = last
		}
		out[a.model].Rate[b] += 1 / span.Seconds()
	}
	return out
}

func seconds(ds []time.Duration) []float64 {
	out := make([]float64, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Seconds())
	}
	return out
}
