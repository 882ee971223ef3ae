package suite

import (
	"fmt"
	"slices"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
)

// maxTuneRounds bounds the search (each round is one full run); the widest knob needs
// about 2·log2(257) ≈ 17 rounds, and re-checks after interaction between models a few more.
const maxTuneRounds = 48

// Probe is one run of the search: the knob's value per model and what it gave.
type Probe struct {
	// Setting is the knob's value per model.
	Setting []float64 `json:"setting"`
	// Attainment, Cost and MeetsSLO are the run's headline figures; ModelMeets says
	// per model whether it met its target.
	Attainment float64 `json:"attainment"`
	Cost       float64 `json:"cost"`
	MeetsSLO   bool    `json:"meetsSLO"`
	ModelMeets []bool  `json:"modelMeets"`
}

// Tuning is the outcome of a search for the cheapest setting that meets the target.
type Tuning struct {
	// Setting is the value per model found; when CannotMeet it is the setting of the
	// run with the best attainment reached.
	Setting []float64
	// CannotMeet is true when no setting up to the dearest step met the target.
	CannotMeet bool
	// Unsettled is true when the search did not settle: from every setting it found,
	// one model one step cheaper still met the target, and so on round after round, or a
	// later round found a model missing at its dearest step after a run had met the
	// target (the models move each other's thresholds through a shared GPU inventory).
	// Setting is then the cheapest run that met the target, not verified as the cheapest
	// there is.
	Unsettled bool
	// Cheaper are the runs with one model's value one step cheaper than Setting; each
	// missed the target (models already at their cheapest step have none).
	Cheaper []Probe
	// Probes are every run, in the order made.
	Probes []Probe
	// Result is the full result of the run at Setting.
	Result simulator.PolicyResult
}

// tuner searches one knob over whole runs of one scenario.
type tuner struct {
	name string
	knob *policy.Knob
	// simulate runs the entry with the knob at one value per model.
	simulate func(setting []float64) (simulator.PolicyResult, error)
	log      func(string)
	runs     map[string]simulator.PolicyResult
	out      Tuning
}

// TuneOptions tune a search.
type TuneOptions struct {
	// Log, when set, receives one line per probe.
	Log func(string)
	// Default, when set, is the run of the entry as written; when the knob's default
	// values are steps of the knob it counts as the first probe instead of a new run.
	Default *simulator.PolicyResult
}

// Tune finds, per model, the cheapest step of the entry's knob with which the run meets
// every model's target, so that one step cheaper for any model misses it. Per model it
// gallops from the default (up while missing, down while meeting) and then bisects; the
// models move together, one full run per round. It then runs each model one step
// cheaper: when one of those still meets (the knob is not monotone there, or the models
// moved each other's thresholds through a shared GPU inventory) it searches on from
// that setting. Every probe is a full simulation, run once.
func Tune(sc *simulator.Scenario, reg *policy.Registry, entry simulator.PolicyConfig, knob *policy.Knob, opt TuneOptions) (Tuning, error) {
	simulate := func(setting []float64) (simulator.PolicyResult, error) {
		pc := entry
		pc.Setting = setting
		p, err := reg.Build(sc, pc)
		if err != nil {
			return simulator.PolicyResult{}, err
		}
		return sc.Run(p, simulator.RunOptions{})
	}
	return tune(entry.Name, knob, simulate, opt)
}

// tune is Tune over any way of running a setting.
func tune(name string, knob *policy.Knob, simulate func([]float64) (simulator.PolicyResult, error), opt TuneOptions) (Tuning, error) {
	t := &tuner{name: name, knob: knob, simulate: simulate, log: opt.Log, runs: map[string]simulator.PolicyResult{}}
	if opt.Default != nil {
		t.seed(*opt.Default)
	}
	idx := make([]int, len(knob.Steps))
	for m := range idx {
		idx[m] = nearest(knob.Steps[m], knob.Default[m])
	}
	for range maxTuneRounds {
		found, err := t.search(idx)
		if err != nil {
			return Tuning{}, err
		}
		if t.out.CannotMeet {
			if t.anyMet() { // an earlier round met it: the models moved each other's thresholds
				t.out.CannotMeet = false
				return t.cheapestMet()
			}
			return t.bestEffort()
		}
		cheaper, err := t.cheaperMeeting(found)
		if err != nil {
			return Tuning{}, err
		}
		if cheaper == nil {
			t.out.Setting = t.values(found)
			t.out.Result = t.runs[t.key(found)]
			return t.out, nil
		}
		idx = cheaper // the models moved each other's thresholds: search down from there
	}
	return t.cheapestMet()
}

// cheapestMet reports the cheapest run that met the target when the search did not
// settle, as Unsettled; an error only when no run met it at all.
func (t *tuner) cheapestMet() (Tuning, error) {
	best := -1
	for i, p := range t.out.Probes {
		if p.MeetsSLO && (best < 0 || p.Cost < t.out.Probes[best].Cost) {
			best = i
		}
	}
	if best < 0 {
		return Tuning{}, fmt.Errorf("tuning %s: no stable setting after %d searches", t.name, maxTuneRounds)
	}
	t.out.Unsettled = true
	t.out.Setting = t.out.Probes[best].Setting
	t.out.Result = t.runs[t.keyOf(t.out.Setting)]
	t.out.Cheaper = nil
	return t.out, nil
}

// search runs the per-model gallop and bisection from the step indices start and
// returns the indices of a setting that meets the target, or sets CannotMeet.
func (t *tuner) search(start []int) ([]int, error) {
	n := len(t.knob.Steps)
	lo, hi, gap := make([]int, n), make([]int, n), make([]int, n)
	cur := slices.Clone(start)
	for m := range n {
		lo[m], hi[m], gap[m] = -1, -1, 1 // lo: highest index known to miss; hi: lowest known to meet
	}
	for range maxTuneRounds {
		r, err := t.run(cur)
		if err != nil {
			return nil, err
		}
		for m := range n {
			if r.Models[m].MeetsTarget {
				hi[m] = cur[m]
			} else {
				lo[m] = max(lo[m], cur[m])
				if hi[m] >= 0 && hi[m] <= lo[m] { // models interact: what met no longer does
					hi[m] = -1
				}
			}
		}
		next, stuck, done := t.propose(cur, lo, hi, gap)
		if stuck {
			t.out.CannotMeet = true
			return nil, nil
		}
		if done {
			if r.MeetsSLO && slices.Equal(cur, hi) {
				return hi, nil
			}
			next = slices.Clone(hi)
		}
		cur = next
	}
	return nil, fmt.Errorf("tuning %s: no stable setting after %d runs", t.name, maxTuneRounds)
}

// propose moves each model one search step: gallop up from a miss, gallop down from a
// meet, bisect between them. stuck: some model misses at its dearest step. done: every
// model has adjacent miss/meet indices (or meets at its cheapest step).
func (t *tuner) propose(cur, lo, hi, gap []int) (next []int, stuck, done bool) {
	next = slices.Clone(cur)
	done = true
	for m := range cur {
		last := len(t.knob.Steps[m]) - 1
		switch {
		case hi[m] < 0 && lo[m] >= last:
			return nil, true, false
		case hi[m] < 0: // gallop up
			next[m] = min(last, lo[m]+gap[m])
			gap[m] *= 2
			done = false
		case hi[m]-lo[m] <= 1:
			next[m] = hi[m]
		case lo[m] < 0: // gallop down from a meet while nothing below is known to miss
			next[m] = max(0, hi[m]-gap[m])
			gap[m] *= 2
			done = false
		default:
			next[m] = (lo[m] + hi[m] + 1) / 2
			if next[m] == hi[m] {
				next[m] = hi[m] - 1
			}
			done = false
		}
	}
	return next, false, done
}

// cheaperMeeting runs, for each model not at its cheapest step, the setting with that
// model one step cheaper. It returns the first such setting that still meets the target
// (the knob is not monotone, or the models moved each other's thresholds), or nil when
// every one misses; those runs are kept as the evidence.
func (t *tuner) cheaperMeeting(idx []int) ([]int, error) {
	t.out.Cheaper = nil
	for m := range idx {
		if idx[m] == 0 {
			continue
		}
		probe := slices.Clone(idx)
		probe[m]--
		r, err := t.run(probe)
		if err != nil {
			return nil, err
		}
		if r.MeetsSLO {
			return probe, nil
		}
		t.out.Cheaper = append(t.out.Cheaper, t.probe(probe, r))
	}
	return nil, nil
}

// anyMet says whether any run so far met the target.
func (t *tuner) anyMet() bool {
	return slices.ContainsFunc(t.out.Probes, func(p Probe) bool { return p.MeetsSLO })
}

// bestEffort reports the run with the best attainment when no setting meets the target.
func (t *tuner) bestEffort() (Tuning, error) {
	best := -1
	for i, p := range t.out.Probes {
		if best < 0 || p.Attainment > t.out.Probes[best].Attainment {
			best = i
		}
	}
	t.out.Setting = t.out.Probes[best].Setting
	t.out.Result = t.runs[t.keyOf(t.out.Setting)]
	return t.out, nil
}

// seed records the run as written as the probe at the knob's default, when every
// model's default value is a step.
func (t *tuner) seed(def simulator.PolicyResult) {
	idx := make([]int, len(t.knob.Steps))
	for m, steps := range t.knob.Steps {
		if idx[m] = slices.Index(steps, t.knob.Default[m]); idx[m] < 0 {
			return
		}
	}
	t.runs[t.key(idx)] = def
	t.out.Probes = append(t.out.Probes, t.probe(idx, def))
}

// run simulates the entry at the step indices, once per distinct setting.
func (t *tuner) run(idx []int) (simulator.PolicyResult, error) {
	key := t.key(idx)
	if r, ok := t.runs[key]; ok {
		return r, nil
	}
	setting := t.values(idx)
	r, err := t.simulate(setting)
	if err != nil {
		return simulator.PolicyResult{}, err
	}
	if len(r.Models) != len(idx) {
		return simulator.PolicyResult{}, fmt.Errorf("tuning %s: run reports %d models, the knob has %d", t.name, len(r.Models), len(idx))
	}
	t.runs[key] = r
	t.out.Probes = append(t.out.Probes, t.probe(idx, r))
	if t.log != nil {
		t.log(fmt.Sprintf("%s: %s %s attains %.2f%% at cost %.2f (meets: %v)", t.name, t.knob.Name,
			t.describe(setting), 100*r.Attainment, r.Cost, r.MeetsSLO))
	}
	return r, nil
}

// probe summarises a run.
func (t *tuner) probe(idx []int, r simulator.PolicyResult) Probe {
	p := Probe{Setting: t.values(idx), Attainment: r.Attainment, Cost: r.Cost, MeetsSLO: r.MeetsSLO}
	for _, m := range r.Models {
		p.ModelMeets = append(p.ModelMeets, m.MeetsTarget)
	}
	return p
}

// values maps step indices to the knob's values.
func (t *tuner) values(idx []int) []float64 {
	out := make([]float64, len(idx))
	for m, i := range idx {
		out[m] = t.knob.Steps[m][i]
	}
	return out
}

// key identifies a setting.
func (t *tuner) key(idx []int) string { return t.keyOf(t.values(idx)) }

func (t *tuner) keyOf(vals []float64) string { return fmt.Sprint(vals) }

// describe prints a setting.
func (t *tuner) describe(vals []float64) string { return FormatSetting(vals, t.knob.Format) }

// FormatSetting prints one value per model, or one value when all are equal.
func FormatSetting(vals []float64, format func(float64) string) string {
	if format == nil {
		format = func(v float64) string { return fmt.Sprintf("%g", v) }
	}
	parts := make([]string, len(vals))
	same := true
	for i, v := range vals {
		parts[i] = format(v)
		same = same && parts[i] == parts[0]
	}
	if same && len(parts) > 0 {
		return parts[0]
	}
	return strings.Join(parts, "/")
}

// nearest is the index of the step closest to v.
func nearest(steps []float64, v float64) int {
	best := 0
	for i, s := range steps {
		if abs(s-v) < abs(steps[best]-v) {
			best = i
		}
	}
	return best
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
