package simulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// staticPolicy keeps a fixed count per variant for the whole run: what an operator who
// provisions for the peak does, and the baseline every autoscaler must beat on cost.
type staticPolicy struct {
	name   string
	counts Desired
	traits Traits
}

// newStaticPolicy applies the same count per variant name to every model; variants not
// named get none.
func newStaticPolicy(sc *Scenario, name string, counts map[string]int) (*staticPolicy, error) {
	d := newDesired(&sc.Config)
	known := map[string]bool{}
	for mi, m := range sc.Config.Models {
		for vi, v := range m.Variants {
			known[v.Name] = true
			d[mi][vi] = counts[v.Name]
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if !known[k] {
			return nil, fmt.Errorf("%w: static policy %q names unknown variant %q", ErrConfig, name, k)
		}
		if counts[k] < 0 {
			return nil, fmt.Errorf("%w: static policy %q: negative count for %q", ErrConfig, name, k)
		}
		parts = append(parts, fmt.Sprintf("%s×%d", k, counts[k]))
	}
	return &staticPolicy{name: name, counts: d, traits: Traits{
		Interval: sc.Config.DecisionInterval.D(), Type: PolicyStatic, Detail: strings.Join(parts, ", "),
	}}, nil
}

// Name labels the policy.
func (p *staticPolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *staticPolicy) Traits() Traits { return p.traits }

// Initial is the fixed count.
func (p *staticPolicy) Initial() Desired { return p.counts }

// Decide keeps the fixed count.
func (p *staticPolicy) Decide(*View) (Desired, error) { return p.counts, nil }
