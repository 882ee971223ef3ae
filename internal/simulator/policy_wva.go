package simulator

import (
	"fmt"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// wvaPolicy is WVA itself: every interval it hands the controller's snapshots to the
// production decision core (decision.DecideCycle, as the engine does, sharing one GPU
// inventory across models) and publishes the desired replicas it returns.
type wvaPolicy struct {
	name    string
	sat     decision.SaturationConfig
	tokens  [][]float64 // token capacity override per model and variant; nil keeps the config's
	traits  Traits
	initial Desired
}

// newWVAPolicy builds WVA with the default thresholds overridden by the config's keys.
func newWVAPolicy(sc *Scenario, pc PolicyConfig) (*wvaPolicy, error) {
	sat := decision.DefaultSaturationConfig()
	if pc.Saturation != nil {
		sat = mergeSaturation(sat, *pc.Saturation)
	}
	version := sat.Version
	if version == "" {
		version = decision.SaturationV1
	}
	detail := fmt.Sprintf("saturation %s: kvCacheThreshold %.2f, queueLengthThreshold %g", version, sat.KvCacheThreshold, sat.QueueLengthThreshold)
	if version == decision.SaturationV2 {
		detail += fmt.Sprintf(", scaleUpThreshold %.2f, scaleDownBoundary %.2f", sat.ScaleUpThreshold, sat.ScaleDownBoundary)
	} else {
		detail += fmt.Sprintf(", kvSpareTrigger %.2f, queueSpareTrigger %g", sat.KvSpareTrigger, sat.QueueSpareTrigger)
	}
	p := &wvaPolicy{
		name: pc.Name, sat: sat, initial: initialReplicas(&sc.Config),
		traits: Traits{Interval: policyInterval(sc, pc), Type: PolicyWVA + "-" + string(version), Detail: detail},
	}
	if pc.CalibratedTokenCapacity {
		tokens, err := sc.TokensAtCapacity()
		if err != nil {
			return nil, err
		}
		p.tokens = tokens
		p.traits.Detail += "; token capacity calibrated per variant"
	}
	return p, nil
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
func (p *wvaPolicy) Traits() Traits { return p.traits }

// Initial is the configured starting replicas.
func (p *wvaPolicy) Initial() Desired { return p.initial }

// Decide runs the decision core over every model's snapshot.
func (p *wvaPolicy) Decide(v *View) (Desired, error) {
	snaps := make([]decision.Snapshot, len(v.Models))
	index := make(map[[2]string]int, len(v.Models))
	for i := range v.Models {
		snaps[i] = v.Models[i].Snapshot
		snaps[i].Saturation = p.sat
		if p.tokens != nil {
			snaps[i].Variants = withTokenCapacity(snaps[i].Variants, v.Models[i].Config, p.tokens[i])
		}
		index[[2]string{snaps[i].Namespace, snaps[i].ModelID}] = i
	}
	out := make(Desired, len(v.Models))
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
func byVariantOrder(m *ModelConfig, d decision.Decision) ([]int, error) {
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

// policyInterval is the policy's own interval, else the config's decision interval.
func policyInterval(sc *Scenario, pc PolicyConfig) time.Duration {
	if pc.Interval > 0 {
		return pc.Interval.D()
	}
	return sc.Config.DecisionInterval.D()
}

// withTokenCapacity returns a copy of the variants with calibrated token capacities.
func withTokenCapacity(vs []decision.VariantState, m *ModelConfig, tokens []float64) []decision.VariantState {
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
