package suite

import (
	"slices"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
)

// fakeRuns answers runs from a rule per model instead of simulating, so the search's
// logic can be checked exactly; it counts the runs.
type fakeRuns struct {
	meets func(m int, setting []float64) bool
	runs  int
}

func (f *fakeRuns) simulate(setting []float64) (simulator.PolicyResult, error) {
	f.runs++
	r := simulator.PolicyResult{MeetsSLO: true}
	for m := range setting {
		ok := f.meets(m, setting)
		r.Models = append(r.Models, simulator.ModelResult{MeetsTarget: ok})
		r.MeetsSLO = r.MeetsSLO && ok
		r.Cost += setting[m]
		if ok {
			r.Attainment += 0.49 / float64(len(setting))
		}
	}
	r.Attainment += 0.5 * (1 - 1/(2+setting[0])) // rises with the knob
	return r, nil
}

// countKnob is a knob over 0..100 for n models, cheapest (0) first.
func countKnob(n int, def float64) *policy.Knob {
	k := &policy.Knob{Name: "count"}
	for range n {
		var steps []float64
		for v := range 101 {
			steps = append(steps, float64(v))
		}
		k.Steps, k.Default = append(k.Steps, steps), append(k.Default, def)
	}
	return k
}

// TestTuneFindsTheThreshold: from below and from above the threshold, the search ends
// on the cheapest meeting step, with the step below recorded as missing, in a number
// of runs logarithmic in the knob's range.
func TestTuneFindsTheThreshold(t *testing.T) {
	for _, tc := range []struct {
		name      string
		def, need float64
	}{{"default below", 10, 37}, {"default above", 90, 37}, {"default on it", 37, 37}, {"top step", 5, 100}} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeRuns{meets: func(_ int, s []float64) bool { return s[0] >= tc.need }}
			got, err := tune("p", countKnob(1, tc.def), f.simulate, TuneOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.CannotMeet || !slices.Equal(got.Setting, []float64{tc.need}) {
				t.Fatalf("setting %v (cannot meet %v), want [%v]", got.Setting, got.CannotMeet, tc.need)
			}
			if len(got.Cheaper) != 1 || got.Cheaper[0].Setting[0] != tc.need-1 || got.Cheaper[0].MeetsSLO {
				t.Errorf("cheaper runs %+v, want one at %v that misses", got.Cheaper, tc.need-1)
			}
			if f.runs > 16 || f.runs != len(got.Probes) {
				t.Errorf("%d runs (%d probes recorded), want at most 16, each recorded once", f.runs, len(got.Probes))
			}
		})
	}
}

// TestTuneEdges: a knob whose cheapest step meets has no cheaper run; one that never
// meets reports the best attainment reached; the default run seeds the search.
func TestTuneEdges(t *testing.T) {
	f := &fakeRuns{meets: func(int, []float64) bool { return true }}
	got, err := tune("p", countKnob(1, 50), f.simulate, TuneOptions{})
	if err != nil || !slices.Equal(got.Setting, []float64{0}) || len(got.Cheaper) != 0 {
		t.Errorf("always meets: setting %v, cheaper %v, err %v; want [0] and none", got.Setting, got.Cheaper, err)
	}
	f = &fakeRuns{meets: func(int, []float64) bool { return false }}
	got, err = tune("p", countKnob(1, 50), f.simulate, TuneOptions{})
	if err != nil || !got.CannotMeet || got.Setting[0] != 100 {
		t.Errorf("never meets: setting %v, cannot meet %v, err %v; want the best attainment (at 100)", got.Setting, got.CannotMeet, err)
	}
	f = &fakeRuns{meets: func(_ int, s []float64) bool { return s[0] >= 20 }}
	def, _ := f.simulate([]float64{20})
	f.runs = 0
	got, err = tune("p", countKnob(1, 20), f.simulate, TuneOptions{Default: &def})
	if err != nil || got.Setting[0] != 20 || f.runs != 1 {
		t.Errorf("seeded at the answer: setting %v after %d new runs (err %v), want 20 after one (the step below)", got.Setting, f.runs, err)
	}
}

// TestTuneModelsTogether: two models searched in the same runs each end on their own
// threshold, even when the first model's setting moves the second's (as a shared GPU
// inventory does): the result meets, and one step cheaper for either model misses.
func TestTuneModelsTogether(t *testing.T) {
	f := &fakeRuns{meets: func(m int, s []float64) bool {
		if m == 0 {
			return s[0] >= 12
		}
		need := 30.0
		if s[0] > 20 { // the first model holding more leaves the second short
			need = 60
		}
		return s[1] >= need
	}}
	got, err := tune("p", countKnob(2, 50), f.simulate, TuneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Setting, []float64{12, 30}) {
		t.Fatalf("setting %v, want [12 30]", got.Setting)
	}
	if !got.Result.MeetsSLO || len(got.Cheaper) != 2 {
		t.Fatalf("result meets %v, %d cheaper runs; want a meeting result and two cheaper runs", got.Result.MeetsSLO, len(got.Cheaper))
	}
	for _, c := range got.Cheaper {
		if c.MeetsSLO {
			t.Errorf("cheaper run %v meets", c.Setting)
		}
	}
	if f.runs > 30 {
		t.Errorf("%d runs, want at most 30", f.runs)
	}
}

// TestTuneNonMonotone: when the target is met at a setting whose next cheaper step also
// meets (the knob is not monotone), the search keeps stepping down, so the answer's
// next cheaper step really misses.
func TestTuneNonMonotone(t *testing.T) {
	meets := func(_ int, s []float64) bool { return s[0] >= 40 || s[0] == 24 || s[0] == 23 }
	f := &fakeRuns{meets: meets}
	got, err := tune("p", countKnob(1, 24), f.simulate, TuneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Setting[0]; !meets(0, got.Setting) || meets(0, []float64{v - 1}) {
		t.Errorf("setting %v: meets %v, one cheaper meets %v", v, meets(0, got.Setting), meets(0, []float64{v - 1}))
	}
}

// TestTuneUnsettled: when the models move each other's thresholds so that the search
// never settles (here each model needs 3 steps more while the other's value is odd, as
// models sharing GPUs can), the tuning ends on the cheapest run that met the target and
// says it did not settle, instead of failing the whole suite.
func TestTuneUnsettled(t *testing.T) {
	f := &fakeRuns{meets: func(m int, s []float64) bool { return s[m] >= 5+3*float64(int(s[1-m])%2) }}
	got, err := tune("p", countKnob(2, 50), f.simulate, TuneOptions{})
	if err != nil {
		t.Fatalf("tune: %v", err)
	}
	if !got.Unsettled || got.CannotMeet || !got.Result.MeetsSLO {
		t.Fatalf("unsettled %v, cannot meet %v, meets %v; want an unsettled setting that meets", got.Unsettled, got.CannotMeet, got.Result.MeetsSLO)
	}
	for _, p := range got.Probes {
		if p.MeetsSLO && p.Cost < got.Result.Cost {
			t.Errorf("probe %v met the target at %v, cheaper than the answer %v at %v", p.Setting, p.Cost, got.Setting, got.Result.Cost)
		}
	}
}

// TestTuneStuckAfterAMeet: when models move each other's thresholds so that a later round
// of the search finds a model missing at its dearest step, a setting that met the target
// earlier is still the answer (the cheapest run that met it, unsettled), not "cannot meet".
// Here model 1 meets only while model 0 stays at 50, which the search moves it off.
func TestTuneStuckAfterAMeet(t *testing.T) {
	f := &fakeRuns{meets: func(m int, s []float64) bool {
		if m == 0 {
			return s[0] >= 40
		}
		return s[1] >= 50 && s[0] == 50
	}}
	got, err := tune("p", countKnob(2, 50), f.simulate, TuneOptions{})
	if err != nil {
		t.Fatalf("tune: %v", err)
	}
	if got.CannotMeet || !got.Unsettled || !got.Result.MeetsSLO {
		t.Fatalf("setting %v: cannot meet %v, unsettled %v, meets %v; want the run that met, unsettled", got.Setting, got.CannotMeet, got.Unsettled, got.Result.MeetsSLO)
	}
}
