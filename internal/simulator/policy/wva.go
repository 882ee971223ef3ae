package policy

import (
	"fmt"
	"math"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// TypeWVA is WVA's saturation analyser through the production decision core.
const TypeWVA = "wva"

// WVASpec is a wva entry's own keys.
type WVASpec struct {
	// Saturation overrides WVA's saturation thresholds; unset keys keep the defaults.
	// analyzerVersion v2 selects the token-based analyser.
	Saturation *decision.SaturationConfig `json:"saturation,omitempty"`
	// CalibratedTokenCapacity sets every variant's token capacity to the KV tokens one
	// replica holds at its sustainable rate, as an operator would after measuring it;
	// it gives v2 a compute bound where the KV cache alone overstates capacity.
	CalibratedTokenCapacity bool `json:"calibratedTokenCapacity,omitempty"`
	// ScaleToZero, when set, turns every model's zero policy on or off for this policy
	// (each model keeps its retention period), to compare WVA with and without it on
	// one scenario.
	ScaleToZero *bool `json:"scaleToZero,omitempty"`
}

// WVA is the kind of WVA's saturation policies. Its knob is, for v1, the
// aggressiveness a that divides the four v1 thresholds and triggers together
// (kvCacheThreshold capped at 1): a = 1 is the configuration as written, a = 2 scales
// up at half the KV usage and half the queue; for v2 it is scaleUpThreshold, with
// scaleDownBoundary keeping its ratio to it below the configured value.
func WVA() Kind {
	return Kind{
		Type:    TypeWVA,
		Summary: "WVA's saturation analyser (v1, or v2 with saturation.analyzerVersion v2) through the decision core",
		New:     newWVA,
		Knob:    wvaKnob,
	}
}

// wvaPolicy is WVA itself: every interval it hands the controller's snapshots to the
// production decision core (decision.DecideCycle, as the engine does, sharing one GPU
// inventory across models) and publishes the desired replicas it returns.
type wvaPolicy struct {
	name    string
	sat     []decision.SaturationConfig // per model
	zero    *bool
	tokens  [][]float64 // token capacity override per model and variant; nil keeps the config's
	traits  simulator.Traits
	initial simulator.Desired
}

// wvaBase decodes the entry and returns its saturation configuration over the defaults.
func wvaBase(pc simulator.PolicyConfig) (WVASpec, decision.SaturationConfig, error) {
	var spec WVASpec
	if err := Decode(pc, &spec); err != nil {
		return spec, decision.SaturationConfig{}, err
	}
	sat := decision.DefaultSaturationConfig()
	if spec.Saturation != nil {
		sat = mergeSaturation(sat, *spec.Saturation)
	}
	if sat.Version == "" {
		sat.Version = decision.SaturationV1
	}
	return spec, sat, nil
}

// newWVA builds WVA with the default thresholds overridden by the entry's keys and,
// per model, the knob's setting.
func newWVA(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error) {
	spec, base, err := wvaBase(pc)
	if err != nil {
		return nil, err
	}
	p := &wvaPolicy{name: pc.Name, zero: spec.ScaleToZero, initial: simulator.InitialReplicas(&sc.Config)}
	for mi := range sc.Config.Models {
		p.sat = append(p.sat, withKnob(base, settingOr(pc, mi, knobDefault(base))))
	}
	p.traits = simulator.Traits{Interval: sc.Interval(pc), WakeWithin: WakeWithin, Type: TypeWVA + "-" + string(base.Version), Detail: wvaDetail(sc, pc, base)}
	if spec.CalibratedTokenCapacity {
		tokens, err := sc.TokensAtCapacity()
		if err != nil {
			return nil, err
		}
		p.tokens = tokens
		p.traits.Detail += "; token capacity calibrated per variant"
	}
	if z := spec.ScaleToZero; z != nil {
		p.traits.Detail += fmt.Sprintf("; scale to zero %v", *z)
	}
	return p, nil
}

// wvaDetail describes the thresholds in force (the first model's, and the knob per model).
func wvaDetail(sc *simulator.Scenario, pc simulator.PolicyConfig, base decision.SaturationConfig) string {
	sat := withKnob(base, settingOr(pc, 0, knobDefault(base)))
	d := fmt.Sprintf("saturation %s: kvCacheThreshold %.3g, queueLengthThreshold %.3g", sat.Version, sat.KvCacheThreshold, sat.QueueLengthThreshold)
	if sat.Version == decision.SaturationV2 {
		d += fmt.Sprintf(", scaleUpThreshold %.3g, scaleDownBoundary %.3g", sat.ScaleUpThreshold, sat.ScaleDownBoundary)
	} else {
		d += fmt.Sprintf(", kvSpareTrigger %.3g, queueSpareTrigger %.3g", sat.KvSpareTrigger, sat.QueueSpareTrigger)
	}
	if len(pc.Setting) > 1 {
		d += fmt.Sprintf(" (first model; %s per model %v)", knobName(base), pc.Setting)
	}
	return d
}

// knobName names the tuned setting of the analyser version.
func knobName(sat decision.SaturationConfig) string {
	if sat.Version == decision.SaturationV2 {
		return "scaleUpThreshold"
	}
	return "aggressiveness"
}

// knobDefault is the knob's value for the configuration as written.
func knobDefault(sat decision.SaturationConfig) float64 {
	if sat.Version == decision.SaturationV2 {
		return sat.ScaleUpThreshold
	}
	return 1
}

// withKnob applies a knob value: for v1 the thresholds and triggers divided by the
// aggressiveness (kvCacheThreshold at most 1); for v2 scaleUpThreshold, with
// scaleDownBoundary lowered in proportion when the threshold goes below the base.
func withKnob(base decision.SaturationConfig, v float64) decision.SaturationConfig {
	sat := base
	if sat.Version == decision.SaturationV2 {
		sat.ScaleDownBoundary = base.ScaleDownBoundary * math.Min(1, v/base.ScaleUpThreshold)
		sat.ScaleUpThreshold = v
		return sat
	}
	sat.KvCacheThreshold = math.Min(1, base.KvCacheThreshold/v)
	sat.QueueLengthThreshold = base.QueueLengthThreshold / v
	sat.KvSpareTrigger = base.KvSpareTrigger / v
	sat.QueueSpareTrigger = base.QueueSpareTrigger / v
	return sat
}

// wvaKnob is aggressiveness (v1) from 0.5 to 32, or scaleUpThreshold (v2) from 0.95
// down to 0.05, cheapest first.
func wvaKnob(sc *simulator.Scenario, pc simulator.PolicyConfig) (*Knob, error) {
	_, base, err := wvaBase(pc)
	if err != nil {
		return nil, err
	}
	k := &Knob{Name: knobName(base), Default: sameValue(sc, knobDefault(base)), Format: formatG}
	if base.Version == decision.SaturationV2 {
		k.Steps = sameSteps(sc, linear(0.95, 0.05, 0.05))
	} else {
		k.Steps = sameSteps(sc, geometric(0.5, 32, 4))
	}
	return k, nil
}

// mergeSaturation overrides the defaults with every key the config set (non-zero).
func mergeSaturation(base, o decision.SaturationConfig) decision.SaturationConfig {
	if o.Version != "" {
		base.Version = o.Version
	}
	set := func(dst *float64, v float64) {
		if v != 0 {
			*dst = v
		}
	}
	set(&base.KvCacheThreshold, o.KvCacheThreshold)
	set(&base.QueueLengthThreshold, o.QueueLengthThreshold)
	set(&base.KvSpareTrigger, o.KvSpareTrigger)
	set(&base.QueueSpareTrigger, o.QueueSpareTrigger)
	set(&base.ScaleUpThreshold, o.ScaleUpThreshold)
	set(&base.ScaleDownBoundary, o.ScaleDownBoundary)
	return base
}

// Name labels the policy.
func (p *wvaPolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *wvaPolicy) Traits() simulator.Traits { return p.traits }

// WakeWithin is the controller's scale-from-zero fast path: a model at zero is decided
// within a second of its first waiting request (measured in docs/scale-to-zero.md), not
// at the next decision interval.
const WakeWithin = time.Second

// Initial is the configured starting replicas.
func (p *wvaPolicy) Initial() simulator.Desired { return p.initial }

// Decide runs the decision core over every model's snapshot.
func (p *wvaPolicy) Decide(v *simulator.View) (simulator.Desired, error) {
	snaps := make([]decision.Snapshot, len(v.Models))
	index := make(map[[2]string]int, len(v.Models))
	for i := range v.Models {
		snaps[i] = v.Models[i].Snapshot
		snaps[i].Saturation = p.sat[i]
		if p.zero != nil {
			snaps[i].Zero.Enabled = *p.zero
		}
		if p.tokens != nil {
			snaps[i].Variants = withTokenCapacity(snaps[i].Variants, v.Models[i].Config, p.tokens[i])
		}
		index[[2]string{snaps[i].Namespace, snaps[i].ModelID}] = i
	}
	out := make(simulator.Desired, len(v.Models))
	for _, r := range decision.DecideCycle(snaps, v.FreeGPUs) {
		if r.Err != nil {
			return nil, fmt.Errorf("decision core: %w", r.Err)
		}
		mi := index[[2]string{r.Namespace, r.ModelID}]
		desired, err := byVariantOrder(v.Models[mi].Config, r.Decision)
		if err != nil {
			return nil, err
		}
		out[mi] = desired
	}
	return out, nil
}

// byVariantOrder maps a decision (variants sorted by name) back to configuration order.
func byVariantOrder(m *simulator.ModelConfig, d decision.Decision) ([]int, error) {
	byName := make(map[string]int, len(d.Variants))
	for _, vd := range d.Variants {
		byName[vd.Name] = vd.DesiredReplicas
	}
	out := make([]int, len(m.Variants))
	for i, v := range m.Variants {
		n, ok := byName[v.Name]
		if !ok {
			return nil, fmt.Errorf("decision for model %s has no variant %s", m.Name, v.Name)
		}
		out[i] = n
	}
	return out, nil
}

// withTokenCapacity returns a copy of the variants with calibrated token capacities.
func withTokenCapacity(vs []decision.VariantState, m *simulator.ModelConfig, tokens []float64) []decision.VariantState {
	out := append([]decision.VariantState(nil), vs...)
	for i := range out {
		for vi, v := range m.Variants {
			if v.Name == out[i].Name && tokens[vi] > 0 {
				out[i].TokenCapacity = tokens[vi]
			}
		}
	}
	return out
}
