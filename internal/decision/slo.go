package decision

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// shareTolerance is how far the known class shares may sum from one.
const shareTolerance = 0.05

// minClassShare is the share of traffic below which a class does not constrain sizing.
const minClassShare = 0.01

// resolveTargets turns a model's service classes into the objectives it is sized for.
// Every class must meet its own objective; with every class's share of traffic known,
// each class that has traffic (1% or more) is a target of its own, and classes without
// traffic do not constrain the model; otherwise the tightest objectives over the classes
// apply to all requests. No class means DefaultServiceClass. It returns the targets,
// the model's priority (the smallest class priority, 0 without classes) and a phrase
// for the reason. Classes with a non-positive objective are skipped (the configuration
// layer has already warned about them).
func resolveTargets(classes []ServiceClass) ([]perfmodel.Target, int, string) {
	var valid []ServiceClass
	for _, c := range classes {
		if c.TTFT > 0 && c.ITL > 0 {
			valid = append(valid, c)
		}
	}
	if len(valid) == 0 {
		d := DefaultServiceClass()
		return []perfmodel.Target{{TTFT: d.TTFT.Seconds(), ITL: d.ITL.Seconds(), Share: 1}}, 0,
			fmt.Sprintf("default objectives (no service class): TTFT %v, ITL %v", d.TTFT, d.ITL)
	}
	slices.SortFunc(valid, func(a, b ServiceClass) int { return strings.Compare(a.Name, b.Name) })
	priority := math.MaxInt
	sum := 0.0
	known := true
	for _, c := range valid {
		priority = min(priority, max(c.Priority, 1))
		if !(c.Share > 0) {
			known = false
		}
		sum += c.Share
	}
	if known && math.Abs(sum-1) <= shareTolerance {
		var targets []perfmodel.Target
		var names []string
		for _, c := range valid {
			if c.Share/sum < minClassShare {
				continue
			}
			targets = append(targets, perfmodel.Target{TTFT: c.TTFT.Seconds(), ITL: c.ITL.Seconds(), Share: c.Share / sum})
			names = append(names, fmt.Sprintf("%s %.0f%% (TTFT %v, ITL %v)", c.Name, 100*c.Share/sum, c.TTFT, c.ITL))
		}
		return targets, priority, "each class with traffic: " + strings.Join(names, ", ")
	}
	t := perfmodel.Target{TTFT: math.Inf(1), ITL: math.Inf(1), Share: 1}
	var ttftFrom, itlFrom string
	for _, c := range valid {
		if c.TTFT.Seconds() < t.TTFT {
			t.TTFT, ttftFrom = c.TTFT.Seconds(), c.Name
		}
		if c.ITL.Seconds() < t.ITL {
			t.ITL, itlFrom = c.ITL.Seconds(), c.Name
		}
	}
	return []perfmodel.Target{t}, priority, fmt.Sprintf("tightest class (shares unknown): TTFT %v from %s, ITL %v from %s",
		secs(t.TTFT), ttftFrom, secs(t.ITL), itlFrom)
}

// secs prints seconds as a duration.
func secs(s float64) string {
	return fmt.Sprint(durationOf(s))
}
