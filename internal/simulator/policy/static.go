package policy

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// TypeStatic keeps a fixed count per variant for the whole run.
const TypeStatic = "static"

// peakWindow is the window a capacity planner sizes a static fleet for.
const peakWindow = time.Minute

// StaticSpec is a static entry's own keys.
type StaticSpec struct {
	// Replicas is the count per variant name, for every model that has the variant.
	// Without it (and without a setting) each model gets enough replicas of its
	// sized variant to serve its peak minute at the variant's sustainable rate.
	Replicas map[string]int `json:"replicas,omitempty"`
	// Variant is the variant whose count the knob sets and peak sizing uses (default:
	// per model, the variant whose fleet sized for the peak minute costs least).
	Variant string `json:"variant,omitempty"`
}

// Static is the kind of static provisioning; its knob is the count of the sized
// variant per model, searched from 0 up to 256.
func Static() Kind {
	return Kind{
		Type:    TypeStatic,
		Summary: "a fixed count per variant: given, or sized for each model's peak minute",
		New:     newStatic,
		Knob:    staticKnob,
	}
}

// staticPolicy keeps a fixed count per variant for the whole run: what an operator who
// provisions for the peak does, and the baseline every autoscaler must beat on cost.
type staticPolicy struct {
	name   string
	counts simulator.Desired
	traits simulator.Traits
}

// newStatic builds the fixed counts: the knob's setting, else the given replicas, else
// peak sizing.
func newStatic(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error) {
	var spec StaticSpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	d, err := givenCounts(sc, spec.Replicas)
	if err != nil {
		return nil, err
	}
	detail := ""
	if len(pc.Setting) > 0 || len(spec.Replicas) == 0 {
		sized, err := sizedVariants(sc, spec.Variant)
		if err != nil {
			return nil, err
		}
		for mi := range sc.Config.Models {
			n, ok := pc.SettingFor(mi)
			if !ok {
				n, err = peakCount(sc, mi, sized[mi])
				if err != nil {
					return nil, err
				}
			}
			d[mi][sized[mi]] = int(math.Round(n))
		}
		if len(pc.Setting) == 0 {
			detail = "sized for each model's peak minute at the sustainable rate: "
		}
	}
	return &staticPolicy{name: pc.Name, counts: d, traits: simulator.Traits{
		Interval: sc.Config.DecisionInterval.D(), Type: TypeStatic, Detail: detail + describeCounts(sc, d),
	}}, nil
}

// givenCounts applies the same count per variant name to every model; variants not
// named get none.
func givenCounts(sc *simulator.Scenario, counts map[string]int) (simulator.Desired, error) {
	d := simulator.NewDesired(&sc.Config)
	known := map[string]bool{}
	for mi, m := range sc.Config.Models {
		for vi, v := range m.Variants {
			known[v.Name] = true
			d[mi][vi] = counts[v.Name]
		}
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if !known[k] {
			return nil, fmt.Errorf("replicas names unknown variant %q", k)
		}
		if counts[k] < 0 {
			return nil, fmt.Errorf("replicas: count %d for %q is negative", counts[k], k)
		}
	}
	return d, nil
}

// sizedVariants picks per model the variant the knob counts: the named one, else the
// one whose fleet sized for the peak minute costs least (ties: the first).
func sizedVariants(sc *simulator.Scenario, name string) ([]int, error) {
	caps, err := sc.Capacities()
	if err != nil {
		return nil, err
	}
	out := make([]int, len(sc.Config.Models))
	for mi, m := range sc.Config.Models {
		best, bestCost := -1, math.Inf(1)
		for vi, v := range m.Variants {
			if name != "" && v.Name == name {
				best = vi
				break
			}
			if name != "" || caps[mi][vi] <= 0 {
				continue
			}
			n, err := peakCount(sc, mi, vi)
			if err != nil {
				return nil, err
			}
			if cost := n * v.Cost; cost < bestCost {
				best, bestCost = vi, cost
			}
		}
		if best < 0 {
			if name != "" {
				return nil, fmt.Errorf("variant %q not found in model %s", name, m.Name)
			}
			best = 0 // no variant meets the SLO even nearly idle: size the first
		}
		out[mi] = best
	}
	return out, nil
}

// peakCount is the count of variant vi that serves model mi's peak minute at the
// variant's sustainable rate, within the variant's bounds.
func peakCount(sc *simulator.Scenario, mi, vi int) (float64, error) {
	caps, err := sc.Capacities()
	if err != nil {
		return 0, err
	}
	v := sc.Config.Models[mi].Variants[vi]
	n := 1
	if c := caps[mi][vi]; c > 0 {
		n = max(1, int(math.Ceil(sc.Workload.PeakRate(mi, peakWindow)/c-1e-9)))
	}
	if v.MinReplicas != nil {
		n = max(n, *v.MinReplicas)
	}
	if v.MaxReplicas != nil {
		n = min(n, *v.MaxReplicas)
	}
	return float64(n), nil
}

// staticKnob is the count of the sized variant per model.
func staticKnob(sc *simulator.Scenario, pc simulator.PolicyConfig) (*Knob, error) {
	var spec StaticSpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	sized, err := sizedVariants(sc, spec.Variant)
	if err != nil {
		return nil, err
	}
	k := &Knob{Name: "count", Steps: sameSteps(sc, linear(0, 256, 1)), Format: formatCount}
	for mi, m := range sc.Config.Models {
		v := m.Variants[sized[mi]].Name
		n, given := spec.Replicas[v]
		if !given {
			c, err := peakCount(sc, mi, sized[mi])
			if err != nil {
				return nil, err
			}
			n = int(c)
		}
		k.Default = append(k.Default, float64(n))
	}
	return k, nil
}

// describeCounts prints the non-zero counts, per model when there are several.
func describeCounts(sc *simulator.Scenario, d simulator.Desired) string {
	var parts []string
	for mi, m := range sc.Config.Models {
		for vi, v := range m.Variants {
			if d[mi][vi] == 0 {
				continue
			}
			name := v.Name
			if len(sc.Config.Models) > 1 {
				name = m.Name + "/" + v.Name
			}
			parts = append(parts, fmt.Sprintf("%s×%d", name, d[mi][vi]))
		}
	}
	if len(parts) == 0 {
		return "no replicas"
	}
	return strings.Join(parts, ", ")
}

// Name labels the policy.
func (p *staticPolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *staticPolicy) Traits() simulator.Traits { return p.traits }

// Initial is the fixed count.
func (p *staticPolicy) Initial() simulator.Desired { return p.counts }

// Decide keeps the fixed count.
func (p *staticPolicy) Decide(*simulator.View) (simulator.Desired, error) { return p.counts, nil }
