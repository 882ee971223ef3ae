package suite

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// stepLoad is a light step pattern for quick comparisons.
func stepLoad(rate2 float64, d time.Duration) simulator.PatternConfig {
	return simulator.PatternConfig{Kind: "step", Rate: 2, Rate2: rate2, Duration: simulator.Duration(d), PromptTokens: 500, OutputTokens: 100}
}

// TestReportIsSelfContained: a comparison's HTML report has the table, every plot as
// inline SVG, the trace credit when a trace is used, and fetches nothing, so it works
// offline; an oracle tuned to the target is added as the reference.
func TestReportIsSelfContained(t *testing.T) {
	res := compare(t, simtest.Config(stepLoad(10, 6*time.Minute), policy.Entry("wva-v1", policy.TypeWVA, nil),
		policy.Entry("hpa", policy.TypeHPA, policy.HPASpec{Target: 10})))
	res.Scenario.Credit = "Azure LLM inference trace 2023 (Microsoft Azure, Azure Public Dataset, CC-BY)"
	if o := named(t, res, "oracle"); !o.MeetsSLO || o.CostRatio != 1 || !strings.HasPrefix(o.Detail, "tuned headroom") {
		t.Errorf("added oracle: meets %v, ratio %v, detail %q; want the tuned reference", o.MeetsSLO, o.CostRatio, o.Detail)
	}
	var b bytes.Buffer
	if err := res.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// 1 load + 3 replica charts (wva-v1, hpa, oracle) + 3 latency/attainment + 1 cost
	if n := strings.Count(page, "<svg "); n != 8 {
		t.Errorf("%d SVG plots, want 8", n)
	}
	for _, want := range []string{"<table>", "wva-v1", "hpa", "oracle", "TTFT SLO 1s", "Azure Public Dataset", "<polyline"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	selfContained(t, page)
	var tbl bytes.Buffer
	if err := res.WriteTable(&tbl); err != nil || strings.Count(tbl.String(), "\n") != 4 {
		t.Errorf("table: %v\n%s", err, tbl.String())
	}
}

// TestCompareTunesOnRequest: an entry with `tune: true` reports its tuned setting.
func TestCompareTunesOnRequest(t *testing.T) {
	tune := true
	entry := policy.Entry("static", policy.TypeStatic, policy.StaticSpec{Replicas: map[string]int{"h100": 12}})
	entry.Tune = &tune
	res := compare(t, simtest.Config(stepLoad(14, 8*time.Minute), entry))
	s := named(t, res, "static")
	if !s.MeetsSLO || !strings.HasPrefix(s.Detail, "tuned count ") || strings.Contains(s.Detail, "h100×12") {
		t.Errorf("tuned static: meets %v, detail %q; want a tuned count below 12 meeting the target", s.MeetsSLO, s.Detail)
	}
	entry = policy.Entry("bogus", policy.TypeStatic, map[string]any{"replicas": map[string]int{"h100": 1}, "count": 3})
	if _, err := Compare(simtest.Scenario(t, simtest.Config(stepLoad(4, 2*time.Minute), entry)), policy.Builtin(), Options{}); err == nil ||
		!strings.Contains(err.Error(), `unknown field "count"`) || !strings.Contains(err.Error(), "replicas") {
		t.Errorf("unknown key: error %v, want it named with the keys the kind knows", err)
	}
}

// TestSweep varies one threshold and reports one point per value.
func TestSweep(t *testing.T) {
	c := simtest.Config(stepLoad(14, 8*time.Minute), policy.Entry("wva-v1", policy.TypeWVA, nil))
	sc := simtest.Scenario(t, c)
	res, err := Sweep(sc, policy.Builtin(), SweepSpec{Policy: "wva-v1", Param: "kvSpareTrigger", Values: []float64{0.05, 0.3, 0.6}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 3 || res.OracleCost <= 0 {
		t.Fatalf("points %+v, oracle cost %v", res.Points, res.OracleCost)
	}
	// a larger spare trigger scales up earlier: never cheaper than the smallest
	if res.Points[2].Cost < res.Points[0].Cost {
		t.Errorf("kvSpareTrigger 0.6 cost %.3f < 0.05 cost %.3f", res.Points[2].Cost, res.Points[0].Cost)
	}
	var b bytes.Buffer
	if err := res.WriteHTML(&b); err != nil || !strings.Contains(b.String(), "<circle") {
		t.Errorf("sweep page: %v", err)
	}
	if _, err := Sweep(sc, policy.Builtin(), SweepSpec{Policy: "wva-v1", Param: "bogus", Values: []float64{1}}, Options{}); err == nil {
		t.Error("unknown parameter accepted")
	}
}
