package decision

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// plan is a decision being built: the analysers fill it, the limiter grants its
// scale-ups, and finish turns it into a Decision. It never outlives one call.
type plan struct {
	modelID    string
	namespace  string
	variants   []variantPlan // sorted by name
	analysis   Analysis
	requests   []scaleUp // scale-ups the GPU limiter still has to grant, in order of need
	safetyNet  bool
	reason     string
	freeGPUs   map[string]int
	proactive  *ProactiveOutcome   // HYBRID mode only
	lean       []int               // HYBRID: desired per variant without the stabilisation period
	share      *share              // HYBRID: what sharing scarce GPUs by coverage needs
	perRequest *variantRates       // HYBRID: sustainableRates, once per decision (perRequestRates)
	rankRates  map[string]RateMemo // HYBRID: the rates sustainableRates computed, for ProactiveState.RankRates
	// recovering is set while scale-down waits for signals that came back after a
	// failure (holdScaleDownWhileRecovering); no replica is given back then either.
	recovering bool
}

// variantPlan is the working state of one variant.
type variantPlan struct {
	state        VariantState
	pending      int     // current replicas that are not ready yet
	inFlight     bool    // a previous desired different from current is being kept
	expired      string  // why a change that was in flight no longer is, for the reason
	base         int     // what holding means: previous desired when set, else current
	desired      int     // the answer being built
	reason       string  // why, for a person
	samples      int     // replica samples used for this variant
	spareKv      float64 // mean spare KV of the variant's samples, for tie-breaks
	capacity     float64 // v2 tokens per replica, 0 when unknown
	boundedBy    string
	gpuShortfall int
	fallback     FallbackSource
}

// scaleUp is a request for more replicas that the GPU limiter must grant.
type scaleUp struct {
	variant      int   // index into plan.variants
	replicas     int   // how many replicas are wanted
	alternatives []int // variants to try, in order, for what the first cannot get
	prefix       string
	label        string // how the choice is described, e.g. "cheapest variant"
	// rates are the per-replica sustainable rates per plan variant (HYBRID): when set,
	// an alternative is offered the capacity the first variant could not get, not its
	// replica count.
	rates []float64
	// demand is the rate the model plans for (HYBRID: planned rate and backlog, as the
	// solver counts it): the alternatives carry no more than the part of it the model's
	// replicas leave uncovered.
	demand float64
	// floor is how many of the replicas the capacity answer asks for (HYBRID): their
	// stand-ins carry them whole whatever the demand, since saturation's answer is a
	// floor on the model's capacity.
	floor int
}

// newPlan copies the variants in name order and works out pending and in-flight state.
func newPlan(s *Snapshot) *plan {
	p := &plan{modelID: s.ModelID, namespace: s.Namespace, variants: make([]variantPlan, len(s.Variants))}
	for i, v := range s.Variants {
		p.variants[i] = variantPlan{state: v}
	}
	slices.SortFunc(p.variants, func(a, b variantPlan) int { return cmp.Compare(a.state.Name, b.state.Name) })
	expiry := flightExpiry{intervals: inFlightExpiry(s.Saturation), interval: s.Interval, now: s.Now}
	for i := range p.variants {
		initVariant(&p.variants[i], expiry)
	}
	return p
}

// flightExpiry says when a change in flight without progress expires.
type flightExpiry struct {
	intervals int
	interval  time.Duration
	now       time.Time
}

// initVariant sets the hold answer: keep a change in flight until it expires, else keep
// current. An expired change is decided afresh from the previous desired, so that a step
// the target ignored (an HPA within its tolerance) is followed by a larger one.
func initVariant(v *variantPlan, e flightExpiry) {
	v.pending = max(0, v.state.CurrentReplicas-v.state.ReadyReplicas)
	v.base = v.state.CurrentReplicas
	pd := v.state.PreviousDesired
	if pd == nil || *pd == v.state.CurrentReplicas {
		v.desired = v.base
		return
	}
	v.base, v.desired = *pd, *pd
	age, known := sinceOrZero(e.now, v.state.InFlightSince)
	limit := time.Duration(e.intervals) * e.interval
	switch {
	case known && e.interval > 0 && age >= limit:
		v.expired = fmt.Sprintf("change to %d in flight for %s without the target moving (current %d) expired after %d interval(s)",
			*pd, age.Round(time.Second), v.state.CurrentReplicas, e.intervals)
	case !known:
		v.inFlight = true
		v.reason = fmt.Sprintf("hold: change in flight for an unknown time (previous desired %d, current %d)", *pd, v.state.CurrentReplicas)
	case e.interval <= 0:
		v.inFlight = true
		v.reason = fmt.Sprintf("hold: change in flight for %s (previous desired %d, current %d)", age.Round(time.Second), *pd, v.state.CurrentReplicas)
	default:
		v.inFlight = true
		v.reason = fmt.Sprintf("hold: change in flight for %s (previous desired %d, current %d; expires after %d interval(s) (%s) without progress)",
			age.Round(time.Second), *pd, v.state.CurrentReplicas, e.intervals, limit)
	}
}

// setReason sets a variant's reason unless it keeps a change in flight, whose reason
// already says why it is left alone.
func (p *plan) setReason(i int, format string, args ...any) {
	if !p.variants[i].inFlight {
		p.variants[i].reason = fmt.Sprintf(format, args...)
	}
}

// totalCurrent is the model's replica count across variants.
func (p *plan) totalCurrent() int {
	n := 0
	for i := range p.variants {
		n += p.variants[i].state.CurrentReplicas
	}
	return n
}

// index returns a lookup from variant name to position in p.variants.
func (p *plan) index() map[string]int {
	m := make(map[string]int, len(p.variants))
	for i := range p.variants {
		m[p.variants[i].state.Name] = i
	}
	return m
}

// headroom is how many replicas a variant may still gain above its desired count.
func (v *variantPlan) headroom() int {
	_, _, hi, _ := v.bounds()
	return max(0, hi-v.desired)
}

// floor is the lowest count the analysers may take a variant to: one replica, or its
// minimum if higher; only the zero policy goes below.
func (v *variantPlan) floor() int {
	lo, _, _, _ := v.bounds()
	return max(1, lo)
}

// fmtNum prints a number without noise but always with a decimal, e.g. 5.0, 15.5.
func fmtNum(f float64) string {
	s := fmt.Sprintf("%.6g", f)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// fmtFrac prints a KV fraction or queue figure with two to three decimals, so that
// values either side of a trigger do not print the same (0.10 vs 0.105).
func fmtFrac(f float64) string {
	s := fmt.Sprintf("%.3f", f)
	if strings.HasSuffix(s, "0") && strings.Contains(s, ".") {
		s = s[:len(s)-1]
	}
	return s
}
