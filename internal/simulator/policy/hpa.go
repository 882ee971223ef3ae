package policy

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// TypeHPA is the HPA-style rule on waiting+running requests per replica.
const TypeHPA = "hpa"

// HPASpec is an hpa entry's own keys.
type HPASpec struct {
	// Target is the per-replica target of waiting+running requests (AverageValue).
	Target float64 `json:"target,omitempty"`
	// Tolerance is HPA's tolerance (default 0.1).
	Tolerance *float64 `json:"tolerance,omitempty"`
	// ScaleDownStabilization is HPA's scale-down stabilisation window (default 5m).
	ScaleDownStabilization *simulator.Duration `json:"scaleDownStabilization,omitempty"`
}

// HPA is the kind of the HPA-style rule; its knob is the target per replica, searched
// from 256 down to 1 (a higher target is cheaper).
func HPA() Kind {
	return Kind{
		Type:    TypeHPA,
		Summary: "one HorizontalPodAutoscaler per variant on waiting+running requests per pod (AverageValue target)",
		New:     newHPA,
		Knob:    hpaKnob,
	}
}

// hpaTargets are the targets the suite searches, cheapest (highest) first.
func hpaTargets() []float64 {
	steps := linear(1, 64, 1)
	steps = append(steps, 80, 96, 128, 192, 256)
	return reversed(steps)
}

// hpaKnob is the target per replica.
func hpaKnob(sc *simulator.Scenario, pc simulator.PolicyConfig) (*Knob, error) {
	var spec HPASpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	if spec.Target <= 0 {
		return nil, errors.New("hpa needs a positive target (waiting+running requests per replica) as its default")
	}
	return &Knob{Name: "target", Steps: sameSteps(sc, hpaTargets()), Default: sameValue(sc, spec.Target), Format: formatG}, nil
}

// HPA defaults (Kubernetes autoscaling/v2): tolerance 10%, scale-down stabilisation
// 300 s, scale-up by at most max(100%, 4 pods) per period.
const (
	hpaDefaultTolerance = 0.1
	hpaDefaultWindow    = 5 * time.Minute
	hpaScaleUpPods      = 4
)

// hpaPolicy is the rule an operator gets from a HorizontalPodAutoscaler per variant with
// a Pods metric "waiting+running requests" and an AverageValue target: desired =
// ceil(replicas × average / target), a tolerance around the target, unready and
// unscraped pods counted the way the HPA controller counts them, the default scale-up
// rate limit, and the scale-down stabilisation window (the highest recommendation of
// the window wins).
type hpaPolicy struct {
	name      string
	targets   []float64 // per flattened variant (its model's target)
	tolerance float64
	window    time.Duration
	traits    simulator.Traits
	initial   simulator.Desired
	bounds    [][2]int // per flattened variant: min, max
	history   [][]recommendation
}

// recommendation is one past desired count, for stabilisation.
type recommendation struct {
	at time.Duration
	n  int
}

// newHPA builds one HPA per variant of every model.
func newHPA(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error) {
	var spec HPASpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	p := &hpaPolicy{name: pc.Name, tolerance: hpaDefaultTolerance, window: hpaDefaultWindow,
		initial: simulator.InitialReplicas(&sc.Config)}
	if spec.Tolerance != nil {
		if *spec.Tolerance < 0 {
			return nil, fmt.Errorf("tolerance %g is negative", *spec.Tolerance)
		}
		p.tolerance = *spec.Tolerance
	}
	if spec.ScaleDownStabilization != nil {
		p.window = spec.ScaleDownStabilization.D()
	}
	var shown []string
	for mi, m := range sc.Config.Models {
		target := settingOr(pc, mi, spec.Target)
		if !(target > 0) {
			return nil, fmt.Errorf("target %g: give a positive target (waiting+running requests per replica)", target)
		}
		shown = append(shown, formatG(target))
		for _, v := range m.Variants {
			p.targets = append(p.targets, target)
			lo, hi := 1, math.MaxInt32
			if v.MinReplicas != nil {
				lo = max(1, *v.MinReplicas)
			}
			if v.MaxReplicas != nil {
				hi = *v.MaxReplicas
			}
			p.bounds = append(p.bounds, [2]int{lo, hi})
		}
	}
	for _, counts := range p.initial { // the HPAs have been running at the initial count
		for _, n := range counts {
			p.history = append(p.history, []recommendation{{at: 0, n: n}})
		}
	}
	p.traits = simulator.Traits{Interval: sc.Interval(pc), Type: TypeHPA,
		Detail: fmt.Sprintf("target %s waiting+running per replica, tolerance %.2f, scale-down stabilisation %v", strings.Join(shown, "/"), p.tolerance, p.window)}
	return p, nil
}

// Name labels the policy.
func (p *hpaPolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *hpaPolicy) Traits() simulator.Traits { return p.traits }

// Initial is the configured starting replicas.
func (p *hpaPolicy) Initial() simulator.Desired { return p.initial }

// Decide runs each variant's HPA.
func (p *hpaPolicy) Decide(v *simulator.View) (simulator.Desired, error) {
	out := make(simulator.Desired, len(v.Models))
	k := 0
	for mi, m := range v.Models {
		for _, vs := range m.Snapshot.Variants {
			out[mi] = append(out[mi], p.variant(k, vs.CurrentReplicas, podsOf(m.Pods, vs.Name), v.Now))
			k++
		}
	}
	return out, nil
}

// podsOf filters the pods of one variant.
func podsOf(pods []simulator.PodView, variant string) []simulator.PodView {
	var out []simulator.PodView
	for _, p := range pods {
		if p.Variant == variant {
			out = append(out, p)
		}
	}
	return out
}

// variant is one HPA's reconcile: recommend, stabilise, rate-limit, bound.
func (p *hpaPolicy) variant(k, current int, pods []simulator.PodView, now time.Duration) int {
	rec := p.recommend(current, pods, p.targets[k])
	p.history[k] = append(p.history[k], recommendation{at: now, n: rec})
	h := p.history[k]
	for len(h) > 0 && h[0].at <= now-p.window {
		h = h[1:]
	}
	p.history[k] = h
	// Kubernetes' stabilizeRecommendation with a zero scale-up window: go up to the
	// latest recommendation at once, come down only to the highest one in the window.
	down := rec
	for _, r := range h {
		down = max(down, r.n)
	}
	desired := max(current, rec)
	desired = min(desired, down)
	if desired > current {
		desired = min(desired, max(2*current, current+hpaScaleUpPods))
	}
	b := p.bounds[k]
	return min(max(desired, b[0]), b[1])
}

// recommend is the HPA controller's replica calculation for a Pods metric: the ratio
// of the ready pods' average to the target; inside the tolerance nothing changes; on a
// scale-up, unready and unscraped pods count as zero usage, on a scale-down unscraped
// pods count as exactly at target, so neither direction overshoots.
func (p *hpaPolicy) recommend(current int, pods []simulator.PodView, target float64) int {
	var sum float64
	var measured, unready, missing int
	for _, pod := range pods {
		switch {
		case !pod.Ready:
			unready++
		case !pod.HasSample:
			missing++
		default:
			sum += pod.Waiting + pod.Running
			measured++
		}
	}
	if measured == 0 {
		return current
	}
	ratio := sum / float64(measured) / target
	if math.Abs(ratio-1) <= p.tolerance {
		return current
	}
	if ratio > 1 {
		n := measured + missing + unready
		ratio = sum / float64(n) / target
		if ratio <= 1 || math.Abs(ratio-1) <= p.tolerance {
			return current
		}
		return int(math.Ceil(ratio * float64(n)))
	}
	n := measured + missing
	ratio = (sum + float64(missing)*target) / float64(n) / target
	if math.Abs(ratio-1) <= p.tolerance {
		return current
	}
	return int(math.Ceil(ratio * float64(n)))
}
