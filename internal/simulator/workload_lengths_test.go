package simulator

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// TestLengthDistributions: drawn prompt and output lengths have about the asked mean,
// stay within their bounds and have a tail; lengths drawn from a trace are the trace's
// own pairs; arrivals do not move when lengths are drawn.
func TestLengthDistributions(t *testing.T) {
	pat := PatternConfig{Kind: "poisson", Rate: 20, Duration: Duration(10 * time.Minute),
		Prompt: &LengthDist{Mean: 2000, Sigma: 0.7, Min: 200, Max: 8000}, Output: &LengthDist{Mean: 30, Sigma: 0.5, Min: 4, Max: 200}}
	c := testConfig(pat)
	wl, err := BuildWorkload(&c, "")
	if err != nil {
		t.Fatal(err)
	}
	var sumP, sumO float64
	longest := 0
	for _, a := range wl.arrivals {
		if a.prompt < 200 || a.prompt > 8000 || a.output < 4 || a.output > 200 {
			t.Fatalf("lengths %d/%d outside their bounds", a.prompt, a.output)
		}
		sumP, sumO, longest = sumP+float64(a.prompt), sumO+float64(a.output), max(longest, a.prompt)
	}
	n := float64(wl.Len())
	if mp, mo := sumP/n, sumO/n; math.Abs(mp-2000) > 120 || math.Abs(mo-30) > 3 || longest < 6000 {
		t.Errorf("mean prompt %.0f, mean output %.1f, longest prompt %d; want about 2000, 30 and a tail past 6000", mp, mo, longest)
	}
	fixed := pat
	fixed.Prompt, fixed.Output, fixed.PromptTokens, fixed.OutputTokens = nil, nil, 100, 10
	cf := testConfig(fixed)
	wf, err := BuildWorkload(&cf, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(wl.arrivals, wf.arrivals, func(a, b arrival) bool { return a.at == b.at }) {
		t.Error("drawing lengths moved the arrivals")
	}

	trace := []loadgen.Request{{PromptTokens: 374, OutputTokens: 44}, {PromptTokens: 396, OutputTokens: 109}, {PromptTokens: 1200, OutputTokens: 3}}
	reqs := make([]loadgen.Request, 200)
	if err := drawLengths(reqs, &PatternConfig{LengthsFrom: "t.csv"}, map[string][]loadgen.Request{"t.csv": trace}, 1); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, r := range reqs {
		if !slices.ContainsFunc(trace, func(x loadgen.Request) bool {
			return x.PromptTokens == r.PromptTokens && x.OutputTokens == r.OutputTokens
		}) {
			t.Fatalf("pair %d/%d is not the trace's", r.PromptTokens, r.OutputTokens)
		}
		seen[r.PromptTokens] = true
	}
	if len(seen) != 3 {
		t.Errorf("%d of the trace's 3 pairs drawn in 200 requests", len(seen))
	}
}

// TestShortened: the quick form compresses patterns, cuts traces to a window, scales
// rates, and leaves the config it came from alone.
func TestShortened(t *testing.T) {
	pat := PatternConfig{Kind: "piecewise", Duration: Duration(40 * time.Minute), PromptTokens: 10, OutputTokens: 10,
		Points: []RatePoint{{At: 0, Rate: 10}, {At: Duration(10 * time.Minute), Rate: 40}}}
	c := testConfig(pat)
	c.Models = append(c.Models, c.Models[0])
	c.Models[1].Name = "traced"
	c.Models[1].Load = &LoadConfig{Trace: "trace.csv", RateScale: 4}
	s, err := c.Shortened(Shortening{TimeScale: 0.1, Offset: Duration(20 * time.Minute), Duration: Duration(5 * time.Minute), RateScale: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	p := s.Load.Pattern
	if p.Duration.D() != 4*time.Minute || p.Points[1].At.D() != time.Minute || p.Points[1].Rate != 20 {
		t.Errorf("shortened pattern: %v, points %+v", p.Duration.D(), p.Points)
	}
	if l := s.Models[1].Load; l.Offset.D() != 20*time.Minute || l.Duration.D() != 5*time.Minute || l.RateScale != 2 {
		t.Errorf("shortened trace load: %+v", l)
	}
	if c.Load.Pattern.Duration.D() != 40*time.Minute || c.Load.Pattern.Points[1].Rate != 40 || c.Models[1].Load.RateScale != 4 {
		t.Error("shortening modified the original config")
	}
	if _, err := c.Shortened(Shortening{TimeScale: 2}); err == nil {
		t.Error("timeScale 2 accepted")
	}
}
