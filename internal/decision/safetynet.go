package decision

import "fmt"

// applySafetyNet keeps every variant where it was heading: the previous desired when one
// was published, else the current replicas. It never makes a new scale-down, because
// without usable signals nothing shows the capacity is not needed.
func (p *plan) applySafetyNet(why string) {
	p.safetyNet = true
	p.analysis.Analyzer = AnalyzerSafetyNet
	p.reason = "safety net: " + why
	for i := range p.variants {
		v := &p.variants[i]
		v.desired = v.base
		v.fallback = FallbackCurrentReplicas
		if v.state.PreviousDesired != nil {
			v.fallback = FallbackPreviousDesired
		}
		v.reason = fmt.Sprintf("safety net: %s; fallback %s %d (current %d)", why, v.fallback, v.desired, v.state.CurrentReplicas)
	}
}
