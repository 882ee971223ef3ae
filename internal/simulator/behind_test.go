package simulator

import (
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
