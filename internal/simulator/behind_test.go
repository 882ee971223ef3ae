package simulator

import (
	"fmt"
	"math"
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
		{"a bucket the horizon cuts is not tested (a next step's rise is not this step's need)", []float64{5, 5, 30}, 180 * s, 0, 150 * s, 10, 0, false},
		{"a bucket ending at the horizon is", []float64{5, 5, 30}, 180 * s, 0, 180 * s, 10, 120 * s, true},
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

// TestLeadOfARun: on a ramp that outgrows one replica one or two minutes after it starts
// (read off the pattern, not the measure), a policy scaling up 30 s into it is ahead of
// the need and one scaling up four minutes into it behind, in both halves of the lead; a
// policy holding ten replicas does not see the load outgrow them.
func TestLeadOfARun(t *testing.T) {
	c := oneReplica(t)
	step := 2 * time.Minute
	sc := scenario(t, testConfig(rampAfter(c, step)))
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
		name   string
		at     time.Duration
		ahead  bool
		decide float64
	}{{"ahead", step + 30*time.Second, true, 30}, {"behind", step + 4*time.Minute, false, 240}} {
		r := run(&scriptPolicy{initial: 1, at: []time.Duration{tc.at}, counts: []int{5}}).Reactions
		if r[0].Need == nil || *r[0].Need != 60 && *r[0].Need != 120 {
			t.Fatalf("%s: need %v s after the step; the ramp outgrows one replica in the bucket 1 or 2 minutes after it", tc.name, r[0].Need)
		}
		if r[0].FirstScaleUp == nil || *r[0].FirstScaleUp != tc.decide || r[0].ReadyCapacity == nil {
			t.Fatalf("%s: reaction %+v, want a decision %v s after the step and a replica serving", tc.name, r[0], tc.decide)
		}
		need, ready := *r[0].Need, *r[0].ReadyCapacity
		want := fmt.Sprintf("%+.0f / %+.0f", need-tc.decide, need-ready)
		if got := LeadSummary(r); got != want || (need > tc.decide) != tc.ahead {
			t.Errorf("%s: lead %q, want %q (decision ahead of the need: %v)", tc.name, got, want, tc.ahead)
		}
	}
	r := run(&scriptPolicy{initial: 10, at: []time.Duration{step + 30*time.Second}, counts: []int{11}}).Reactions
	if r[0].Need != nil || LeadSummary(r) != "- / - (1 of 1 steps not outgrown within the horizon)" {
		t.Errorf("ten replicas: need %v, lead %q; want none", r[0].Need, LeadSummary(r))
	}
}

// TestLeadOfTwoModels: each model's step is measured against its own load and replicas:
// the ramping model outgrows its replica, the quiet one never does.
func TestLeadOfTwoModels(t *testing.T) {
	c := oneReplica(t)
	cfg := testConfig(rampAfter(c, 2*time.Minute))
	quiet := cfg.Models[0]
	quiet.Name = "quiet"
	q := rampAfter(0.2*c, 3*time.Minute)
	quiet.Load = &LoadConfig{Pattern: &q}
	cfg.Models = []ModelConfig{quiet, cfg.Models[0]}
	sc := scenario(t, cfg)
	res, err := sc.Run(onePerModel{n: 2}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reactions) != 2 {
		t.Fatalf("reactions %+v, want one per model", res.Reactions)
	}
	for _, r := range res.Reactions {
		switch r.Model {
		case "quiet":
			if r.StepSeconds != 180 || r.Need != nil {
				t.Errorf("quiet model: %+v, want its step at 180 s and no need", r)
			}
		default:
			if r.StepSeconds != 120 || r.Need == nil {
				t.Errorf("ramping model: %+v, want its step at 120 s and a need", r)
			}
		}
	}
}

// oneReplica is the sustainable rate of the test variant on rampAfter's token mix.
func oneReplica(t *testing.T) float64 {
	t.Helper()
	caps, err := scenario(t, testConfig(PatternConfig{Kind: "constant", Rate: 1, Duration: Duration(time.Minute), PromptTokens: 1000, OutputTokens: 300})).Capacities()
	if err != nil {
		t.Fatal(err)
	}
	return caps[0][0]
}

// rampAfter is 0.5c until step, then a linear rise of 0.375c a minute for ten minutes:
// the buckets starting one and two minutes after the step average 1.06c and 1.44c.
func rampAfter(c float64, step time.Duration) PatternConfig {
	return PatternConfig{Kind: "piecewise", Duration: Duration(step + 10*time.Minute), PromptTokens: 1000, OutputTokens: 300,
		Points: []RatePoint{{At: 0, Rate: 0.5 * c}, {At: Duration(step), Rate: 0.5 * c}, {At: Duration(step + 8*time.Minute), Rate: 3.5 * c}}}
}

// TestLeadSummary checks the lead's arithmetic and notes over several steps.
func TestLeadSummary(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	cases := []struct {
		name string
		rs   []Reaction
		want string
	}{
		{"no steps", nil, "no steps"},
		{"means over the outgrown steps", []Reaction{
			{Need: f(120), FirstScaleUp: f(30), ReadyCapacity: f(150)},
			{Need: f(60), FirstScaleUp: f(90), ReadyCapacity: f(210)},
		}, "+30 / -90"},
		{"a step not outgrown does not count", []Reaction{
			{Need: f(120), FirstScaleUp: f(30), ReadyCapacity: f(150)},
			{FirstScaleUp: f(0), ReadyCapacity: f(120)},
		}, "+90 / -30 (1 of 2 steps not outgrown within the horizon)"},
		{"an outgrown step without a scale-up is unanswered", []Reaction{
			{Need: f(120), FirstScaleUp: f(30), ReadyCapacity: f(150)},
			{Need: f(0)},
		}, "+90 / -30 (1 of 2 outgrown steps unanswered)"},
		{"a decision without a replica serving yet", []Reaction{{Need: f(60), FirstScaleUp: f(30)}}, "+30 / -"},
		{"within half a second of zero is zero", []Reaction{{Need: f(30.2), FirstScaleUp: f(30), ReadyCapacity: f(30.4)}}, "+0 / +0"},
	}
	for _, c := range cases {
		if got := LeadSummary(c.rs); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// onePerModel holds one replica of each of n single-variant models.
type onePerModel struct{ n int }

func (onePerModel) Name() string   { return "one-per-model" }
func (onePerModel) Traits() Traits { return Traits{Interval: 30 * time.Second, Type: "script"} }
func (p onePerModel) Initial() Desired {
	d := make(Desired, p.n)
	for i := range d {
		d[i] = []int{1}
	}
	return d
}
func (p onePerModel) Decide(*View) (Desired, error) { return p.Initial(), nil }
