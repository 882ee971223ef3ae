package simulator

import (
	"fmt"
	"math"
	"time"
)

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
	target    float64
	tolerance float64
	window    time.Duration
	traits    Traits
	initial   Desired
	bounds    [][2]int // per flattened variant: min, max
	history   [][]recommendation
}

// recommendation is one past desired count, for stabilisation.
type recommendation struct {
	at time.Duration
	n  int
}

// newHPAPolicy builds one HPA per variant of every model.
func newHPAPolicy(sc *Scenario, pc PolicyConfig) *hpaPolicy {
	p := &hpaPolicy{name: pc.Name, target: pc.Target, tolerance: hpaDefaultTolerance, window: hpaDefaultWindow,
		initial: initialReplicas(&sc.Config)}
	if pc.Tolerance != nil {
		p.tolerance = *pc.Tolerance
	}
	if pc.ScaleDownStabilization != nil {
		p.window = pc.ScaleDownStabilization.D()
	}
	for _, m := range sc.Config.Models {
		for _, v := range m.Variants {
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
	p.traits = Traits{Interval: policyInterval(sc, pc), Type: PolicyHPA,
		Detail: fmt.Sprintf("target %g waiting+running per replica, tolerance %.2f, scale-down stabilisation %v", p.target, p.tolerance, p.window)}
	return p
}

// Name labels the policy.
func (p *hpaPolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *hpaPolicy) Traits() Traits { return p.traits }

// Initial is the configured starting replicas.
func (p *hpaPolicy) Initial() Desired { return p.initial }

// Decide runs each variant's HPA.
func (p *hpaPolicy) Decide(v *View) (Desired, error) {
	out := make(Desired, len(v.Models))
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
func podsOf(pods []PodView, variant string) []PodView {
	var out []PodView
	for _, p := range pods {
		if p.Variant == variant {
			out = append(out, p)
		}
	}
	return out
}

// variant is one HPA's reconcile: recommend, stabilise, rate-limit, bound.
func (p *hpaPolicy) variant(k, current int, pods []PodView, now time.Duration) int {
	rec := p.recommend(current, pods)
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
func (p *hpaPolicy) recommend(current int, pods []PodView) int {
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
	ratio := sum / float64(measured) / p.target
	if math.Abs(ratio-1) <= p.tolerance {
		return current
	}
	if ratio > 1 {
		n := measured + missing + unready
		ratio = sum / float64(n) / p.target
		if ratio <= 1 || math.Abs(ratio-1) <= p.tolerance {
			return current
		}
		return int(math.Ceil(ratio * float64(n)))
	}
	n := measured + missing
	ratio = (sum + float64(missing)*p.target) / float64(n) / p.target
	if math.Abs(ratio-1) <= p.tolerance {
		return current
	}
	return int(math.Ceil(ratio * float64(n)))
}
