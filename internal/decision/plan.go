package decision

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// plan is a decision being built: the analysers fill it, the limiter grants its
// scale-ups, and finish turns it into a Decision. It never outlives one call.
type plan struct {
	modelID   string
	namespace string
	variants  []variantPlan // sorted by name
	analysis  Analysis
	requests  []scaleUp // scale-ups the GPU limiter still has to grant, in order of need
	safetyNet bool
	reason    string
	freeGPUs  map[string]int
	proactive *ProactiveOutcome // HYBRID mode only
}

// variantPlan is the working state of one variant.
type variantPlan struct {
	state        VariantState
	pending      int     // current replicas that are not ready yet
	inFlight     bool    // a previous desired different from current is being kept
	base         int     // what holding means: previous desired when in flight, else current
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
}

// newPlan copies the variants in name order and works out pending and in-flight state.
func newPlan(s *Snapshot) *plan {
	p := &plan{modelID: s.ModelID, namespace: s.Namespace, variants: make([]variantPlan, len(s.Variants))}
	for i, v := range s.Variants {
		p.variants[i] = variantPlan{state: v}
	}
	slices.SortFunc(p.variants, func(a, b variantPlan) int { return cmp.Compare(a.state.Name, b.state.Name) })
	for i := range p.variants {
		initVariant(&p.variants[i])
	}
	return p
}

// initVariant sets the hold answer: keep a change in flight, else keep current.
func initVariant(v *variantPlan) {
	v.pending = max(0, v.state.CurrentReplicas-v.state.ReadyReplicas)
	v.base = v.state.CurrentReplicas
	if pd := v.state.PreviousDesired; pd != nil && *pd != v.state.CurrentReplicas {
		v.inFlight = true
		v.base = *pd
		v.reason = fmt.Sprintf("hold: change in flight (previous desired %d, current %d)", *pd, v.state.CurrentReplicas)
	}
	v.desired = v.base
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
	if v.state.MaxReplicas == nil {
		return int(^uint(0) >> 2)
	}
	return max(0, *v.state.MaxReplicas-v.desired)
}

// floor is the lowest count the analysers may take a variant to: one replica, or its
// minimum if higher; only the zero policy goes below.
func (v *variantPlan) floor() int {
	if v.state.MinReplicas != nil && *v.state.MinReplicas > 1 {
		return *v.state.MinReplicas
	}
	return 1
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
