package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// TypeOracle is the lower bound: future load known, instant start.
const TypeOracle = "oracle"

// OracleSpec is an oracle entry's own keys.
type OracleSpec struct {
	// Headroom divides the sustainable rate the oracle credits each replica with
	// (default 1: the calibrated rate itself, the capacity bound; below 1 credits more).
	Headroom float64 `json:"headroom,omitempty"`
}

// defaultOracleInterval is how often the oracle re-plans unless its entry says: its
// replicas start instantly, so only the plan's granularity limits how closely it
// follows bursts.
const defaultOracleInterval = 10 * time.Second

// Oracle is the kind of the oracle. Its knob is the headroom per model, searched in
// steps of 0.02 from 0.5 (crediting each replica with twice its calibrated rate, which
// bursts shorter than a queue takes to build allow) to 3; the suite's tuned oracle is
// the cheapest one meeting every model's target, the reference costs are compared with.
// As written (headroom 1) it is the capacity bound.
func Oracle() Kind {
	return Kind{
		Type:    TypeOracle,
		Summary: "future load known per interval, instant start, the cheapest whole replicas covering the load at their sustainable rate ÷ headroom",
		New:     newOracle,
		Knob:    oracleKnob,
		Labels:  [2]string{"capacity-bound", "%s"},
	}
}

// oraclePolicy knows the load of every coming interval and its replicas start instantly
// (and cost nothing, holding no GPU, while draining), so in every interval it runs the
// cheapest set of whole replicas whose sustainable rates under the SLO, divided by the
// model's headroom, cover the interval's arrival rate; when a GPU inventory is shared,
// the models' sets are chosen together to fit it.
type oraclePolicy struct {
	name     string
	interval time.Duration
	plan     []simulator.Desired // per interval
	traits   simulator.Traits
}

// oracleKnob is the headroom per model.
func oracleKnob(sc *simulator.Scenario, pc simulator.PolicyConfig) (*Knob, error) {
	var spec OracleSpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	def := spec.Headroom
	if def == 0 {
		def = 1
	}
	return &Knob{Name: "headroom", Steps: sameSteps(sc, linear(0.5, 3, 0.02)), Default: sameValue(sc, def), Format: formatG}, nil
}

// newOracle plans every interval from the scenario's future arrivals.
func newOracle(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error) {
	var spec OracleSpec
	if err := Decode(pc, &spec); err != nil {
		return nil, err
	}
	if spec.Headroom == 0 {
		spec.Headroom = 1
	}
	caps, err := sc.Capacities()
	if err != nil {
		return nil, err
	}
	headroom := make([]float64, len(sc.Config.Models))
	var shown []string
	for mi := range headroom {
		headroom[mi] = settingOr(pc, mi, spec.Headroom)
		if !(headroom[mi] > 0) {
			return nil, fmt.Errorf("headroom %g: give a positive value (1 credits each replica with its sustainable rate)", headroom[mi])
		}
		shown = append(shown, formatG(headroom[mi]))
	}
	iv := defaultOracleInterval
	if pc.Interval > 0 {
		iv = pc.Interval.D()
	}
	pl := newCoverPlanner(sc, caps)
	p := &oraclePolicy{name: pc.Name, interval: iv}
	short, uncovered := 0, 0
	for _, rates := range sc.Workload.Rates(iv) {
		need := make([]float64, len(rates))
		for mi, r := range rates {
			need[mi] = r * headroom[mi]
		}
		d, outcome := pl.plan(need)
		switch outcome {
		case coverRationed:
			short++
		case coverExceedsMax:
			uncovered++
		}
		p.plan = append(p.plan, d)
	}
	detail := fmt.Sprintf("future load known per %v, instant start, cheapest whole replicas covering the load at sustainable rate ÷ headroom %s", iv, strings.Join(shown, "/"))
	if uncovered > 0 {
		detail += fmt.Sprintf("; %d interval(s) exceed every variant at its maxReplicas", uncovered)
	}
	if short > 0 {
		detail += fmt.Sprintf("; %d interval(s) rationed to fit the GPU inventory", short)
	}
	p.traits = simulator.Traits{Interval: iv, Ideal: true, Type: TypeOracle, Detail: detail}
	return p, nil
}

// Name labels the policy.
func (p *oraclePolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *oraclePolicy) Traits() simulator.Traits { return p.traits }

// Initial is the plan of the first interval.
func (p *oraclePolicy) Initial() simulator.Desired { return p.plan[0] }

// Decide returns the plan of the interval starting now.
func (p *oraclePolicy) Decide(v *simulator.View) (simulator.Desired, error) {
	return p.plan[min(int(v.Now/p.interval), len(p.plan)-1)], nil
}
