package decision

import "fmt"

// Decide returns the decision for one model. It is a pure function of the snapshot: it
// reads no clock and keeps no state, so the controller and the simulator get the same
// answer for the same snapshot. The only error is a structurally broken snapshot
// (wrapping ErrInvalidSnapshot); unusable signals or configuration yield a safety-net
// decision instead.
func Decide(s Snapshot) (Decision, error) {
	p, err := buildPlan(&s)
	if err != nil {
		return Decision{}, err
	}
	if s.Proactive != nil {
		p.runProactive(&s)
	}
	p.holdScaleDownWhileRecovering(&s)
	p.holdScaleDownWhileRemoving()
	p.grant(copyInventory(s.FreeGPUs))
	return p.finish(), nil
}

// buildPlan runs the rules in order up to, but not including, the GPU limiter.
func buildPlan(s *Snapshot) (*plan, error) {
	if err := validateSnapshot(s); err != nil {
		return nil, err
	}
	p := newPlan(s)
	p.freeGPUs = s.FreeGPUs
	if p.totalCurrent() == 0 {
		p.decideAtZero(s)
		return p, nil
	}
	cfg, err := effectiveSaturation(s.Saturation)
	if err != nil {
		p.applySafetyNet("invalid saturation config: " + err.Error())
		return p, nil //nolint:nilerr // a bad configuration is answered by the safety net, not an error
	}
	if !s.Signals.Usable {
		p.applySafetyNet(unusableWhy(s.Signals))
		return p, nil
	}
	samples, excluded := usableSamples(s, p)
	p.analysis.SampledReplicas, p.analysis.ExcludedReplicas = len(samples), excluded
	if len(samples) == 0 {
		p.applySafetyNet(fmt.Sprintf("no usable replica signals (%d sample(s) excluded as stale, invalid or of unknown variant)", excluded))
		return p, nil
	}
	if p.applyZeroPolicy(s, samples, excluded) {
		return p, nil
	}
	if cfg.Version == SaturationV2 {
		p.analyseV2(samples, cfg)
	} else {
		p.analyseV1(s, samples, cfg)
	}
	return p, nil
}

// unusableWhy phrases the collector's verdict for the reason.
func unusableWhy(st SignalStatus) string {
	if st.Reason == "" {
		return "signals unusable"
	}
	return "signals unusable (" + st.Reason + ")"
}

// finish applies the bounds, sets the actions and copies the plan into a Decision.
func (p *plan) finish() Decision {
	d := Decision{
		ModelID:   p.modelID,
		Namespace: p.namespace,
		Variants:  make([]VariantDecision, len(p.variants)),
		Analysis:  p.analysis,
		SafetyNet: p.safetyNet,
		Reason:    p.reason,
		Proactive: p.proactive,
	}
	if p.proactive != nil {
		p.proactive.State.Budget.Blocked = false
		for i := range p.variants {
			if p.variants[i].gpuShortfall > 0 {
				p.proactive.State.Budget.Blocked = true
			}
		}
	}
	for i := range p.variants {
		v := &p.variants[i]
		if v.expired != "" {
			v.reason += "; " + v.expired
		}
		v.applyBounds()
		d.Variants[i] = v.result()
	}
	return d
}

// result copies a finished variant plan into its public form.
func (v *variantPlan) result() VariantDecision {
	return VariantDecision{
		Name:            v.state.Name,
		Accelerator:     v.state.Accelerator,
		Cost:            v.state.Cost,
		CurrentReplicas: v.state.CurrentReplicas,
		ReadyReplicas:   v.state.ReadyReplicas,
		DesiredReplicas: v.desired,
		Action:          actionFor(v.state.CurrentReplicas, v.desired),
		Reason:          v.reason,
		InFlight:        v.inFlight && v.desired == v.base,
		FallbackSource:  v.fallback,
		BoundedBy:       v.boundedBy,
		GPUShortfall:    v.gpuShortfall,
	}
}

// actionFor compares desired with current replicas.
func actionFor(current, desired int) Action {
	switch {
	case desired > current:
		return ActionScaleUp
	case desired < current:
		return ActionScaleDown
	}
	return ActionHold
}
