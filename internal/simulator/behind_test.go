package simulator

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestBehindTime checks the behind-the-load measure on synthetic timelines: the arrival
// rate exceeds the serving capacity for a known time, and that time comes out.
func TestBehindTime(t *testing.T) {
	const s = time.Second
	up := func(at time.Duration, v int) servingChange { return servingChange{at: at, variant: v, delta: 1} }
	down := func(at time.Duration, v int) servingChange { return servingChange{at: at, variant: v, delta: -1} }
	tenAt0 := make([]servingChange, 10)
	for i := range tenAt0 {
		tenAt0[i] = up(0, 0)
	}
	cases := []struct {
		name       string
		rate       []float64
		end        time.Duration
		perReplica []float64
		changes    []servingChange
		want       time.Duration
	}{
		{"no replica ever: the whole period", []float64{1, 1, 1}, 180 * s, []float64{10}, nil, 180 * s},
		{"no load: never behind", []float64{0, 0, 0}, 180 * s, []float64{10}, nil, 0},
		{"two bins above one replica", []float64{5, 15, 15, 5}, 240 * s, []float64{10}, []servingChange{up(0, 0)}, 120 * s},
		{"equal to capacity is not behind", []float64{10, 10}, 120 * s, []float64{10}, []servingChange{up(0, 0)}, 0},
		// 10 replicas of 10 req/s take 6000 requests a minute on average, σ ≈ 77: 6150
		// arrivals are chance, 6200 are not
		{"within two standard deviations is chance", []float64{102.5}, 60 * s, []float64{10}, tenAt0, 0},
		{"beyond two standard deviations is behind", []float64{6200.0 / 60}, 60 * s, []float64{10}, tenAt0, 60 * s},
		{"any load with nothing serving is behind", []float64{1.0 / 60, 0}, 120 * s, []float64{10}, nil, 60 * s},
		{"a replica serving mid-bin counts from that instant", []float64{5, 15, 15}, 180 * s, []float64{10},
			[]servingChange{up(0, 0), up(90*s, 0)}, 30 * s},
		{"a removed replica stops counting when it leaves the router", []float64{8, 8, 8}, 180 * s, []float64{5},
			[]servingChange{up(0, 0), up(0, 0), down(150*s, 0)}, 30 * s},
		{"capacity summed over variants", []float64{12, 12, 12}, 180 * s, []float64{5, 8},
			[]servingChange{up(0, 0), up(70*s, 1)}, 70 * s},
		{"a variant that sustains nothing adds nothing", []float64{3, 3}, 120 * s, []float64{0, 4},
			[]servingChange{up(0, 0), up(0, 0), up(45*s, 1)}, 45 * s},
		{"the last bin is shorter, ending at the period's end", []float64{15, 15, 15}, 150 * s, []float64{10},
			[]servingChange{up(0, 0)}, 150 * s},
		{"a replica ready and gone within one bin", []float64{6, 6}, 120 * s, []float64{5},
			[]servingChange{up(0, 0), up(10*s, 0), down(40*s, 0)}, 90 * s},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := behindTime(c.rate, time.Minute, c.end, c.perReplica, c.changes); got != c.want {
				t.Errorf("behindTime = %v, want %v", got, c.want)
			}
		})
	}
}

// TestBehindLoadOfARun: a run whose single replica cannot carry the load until more
// serve (after their start-up), and again after they are removed, is behind exactly
// for those spans; the replicas starting count only once they serve, the removed ones
// from the moment they leave the router.
func TestBehindLoadOfARun(t *testing.T) {
	const rate = 30.0
	pat := PatternConfig{Kind: "constant", Rate: rate, Duration: Duration(6 * time.Minute), PromptTokens: 1000, OutputTokens: 300}
	sc := scenario(t, testConfig(pat))
	caps, err := sc.Capacities()
	if err != nil {
		t.Fatal(err)
	}
	c := caps[0][0]
	if c <= 0 || c > 0.6*rate {
		t.Fatalf("one replica sustains %.2f req/s; the test needs it well below the load's %.0f", c, rate)
	}
	// one replica to 2m, then enough for twice the load (serving from 3m, after the 1m
	// start-up), back to one at 5m: behind 0–3m and 5–6m
	p := &scriptPolicy{initial: 1, at: []time.Duration{2 * time.Minute, 5 * time.Minute},
		counts: []int{int(math.Ceil(2 * rate / c)), 1}}
	res, err := sc.Run(p, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := (4 * time.Minute).Seconds()
	if res.BehindLoadSeconds != want || len(res.BehindLoad) != 1 || res.BehindLoad[0].Seconds != want {
		t.Errorf("behind the load %.1f s (per model %+v), want %.0f s", res.BehindLoadSeconds, res.BehindLoad, want)
	}
}

// TestNeedTime checks when the load outgrows a fixed capacity: the first bin whose
// arrivals exceed it by more than chance, from the step on and before the horizon.
func TestNeedTime(t *testing.T) {
	const s = time.Second
	cases := []struct {
		name        string
		rate        []float64
		end         time.Duration
		from, until time.Duration
		c           float64
		want        time.Duration
		ok          bool
	}{
		{"never above the capacity", []float64{5, 8, 9}, 180 * s, 0, 180 * s, 10, 0, false},
		{"the third bin outgrows it", []float64{5, 8, 15, 20}, 240 * s, 0, 240 * s, 10, 120 * s, true},
		{"within chance is not a need", []float64{10.8}, 60 * s, 0, 60 * s, 10, 0, false},
		{"beyond chance is", []float64{10.9}, 60 * s, 0, 60 * s, 10, 0, true},
		{"the step's own bin counts from the step", []float64{5, 30, 30}, 180 * s, 70 * s, 180 * s, 10, 70 * s, true},
		{"bins before the step do not count", []float64{30, 5, 30}, 180 * s, 60 * s, 180 * s, 10, 120 * s, true},
		{"not after the horizon", []float64{5, 5, 30}, 180 * s, 0, 120 * s, 10, 0, false},
		{"nothing serving: any arrival", []float64{0, 0.5}, 120 * s, 0, 120 * s, 0, 60 * s, true},
		{"the last, shorter bin tests at its own length", []float64{5, 10.9}, 90 * s, 0, 90 * s, 10, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := needTime(c.rate, time.Minute, c.end, c.from, c.until, c.c)
			if ok != c.ok || got != c.want {
				t.Errorf("needTime = %v, %v; want %v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// TestCapacityAt sums the replicas serving at an instant over variants.
func TestCapacityAt(t *testing.T) {
	const s = time.Second
	changes := []servingChange{{at: 0, variant: 0, delta: 1}, {at: 0, variant: 1, delta: 1}, {at: 30 * s, variant: 0, delta: 1}, {at: 60 * s, variant: 1, delta: -1}}
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{0, 5 + 8}, {29 * s, 13}, {30 * s, 18}, {60 * s, 10}, {90 * s, 10}} {
		if got := capacityAt(changes, c.at, []float64{5, 8}); got != c.want {
			t.Errorf("capacityAt(%v) = %v, want %v", c.at, got, c.want)
		}
	}
}

// TestLeadOfARun: on a ramp that outgrows one replica about two minutes after it starts,
// a policy scaling up 30 s into it is ahead of the need and one scaling up four minutes
// into it behind; a policy holding ten replicas never sees the load outgrow them.
func TestLeadOfARun(t *testing.T) {
	probe := scenario(t, testConfig(PatternConfig{Kind: "constant", Rate: 1, Duration: Duration(time.Minute), PromptTokens: 1000, OutputTokens: 300}))
	caps, err := probe.Capacities()
	if err != nil {
		t.Fatal(err)
	}
	c := caps[0][0]
	pat := PatternConfig{Kind: "piecewise", Duration: Duration(10 * time.Minute), PromptTokens: 1000, OutputTokens: 300,
		Points: []RatePoint{{At: 0, Rate: 0.5 * c}, {At: Duration(2 * time.Minute), Rate: 0.5 * c}, {At: Duration(10 * time.Minute), Rate: 3.5 * c}}}
	sc := scenario(t, testConfig(pat))
	load := sc.LoadSeries()[0].Rate
	step := 2 * time.Minute
	want, ok := needTime(load, time.Minute, 10*time.Minute, step, 10*time.Minute, c)
	if !ok || want < step+time.Minute || want > step+3*time.Minute {
		t.Fatalf("the ramp outgrows one replica (%.2f req/s) at %v; the test needs it one to three minutes after the step", c, want)
	}
	run := func(p Policy) PolicyResult {
		t.Helper()
		res, err := sc.Run(p, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Reactions) != 1 || res.Reactions[0].StepSeconds != step.Seconds() {
			t.Fatalf("reactions %+v, want one at the step", res.Reactions)
		}
		return res
	}
	for _, tc := range []struct {
		name string
		at   time.Duration
		sign string
	}{{"ahead", step + 30*time.Second, "+"}, {"behind", step + 4*time.Minute, "-"}} {
		res := run(&scriptPolicy{initial: 1, at: []time.Duration{tc.at}, counts: []int{5}})
		r := res.Reactions[0]
		if r.Need == nil || *r.Need != (want-step).Seconds() {
			t.Fatalf("%s: need %v, want %.0f s after the step", tc.name, r.Need, (want - step).Seconds())
		}
		got := LeadSummary(res.Reactions)
		if lead := *r.Need - *r.FirstScaleUp; !strings.HasPrefix(got, tc.sign) || math.Abs(lead-(want-tc.at).Seconds()) > 1e-9 {
			t.Errorf("%s: lead %q (%.0f s), want %s%.0f s", tc.name, got, lead, tc.sign, math.Abs((want - tc.at).Seconds()))
		}
	}
	res := run(&scriptPolicy{initial: 10, at: []time.Duration{step + 30*time.Second}, counts: []int{11}})
	if res.Reactions[0].Need != nil || LeadSummary(res.Reactions) != "- / - (1 of 1 steps never outgrew it)" {
		t.Errorf("ten replicas: need %v, lead %q; want none", res.Reactions[0].Need, LeadSummary(res.Reactions))
	}
}
