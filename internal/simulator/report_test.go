package simulator

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReportIsSelfContained: the HTML report has the table, every plot as inline SVG,
// the trace credit when a trace is used, and fetches nothing (no script, no external
// URL), so it works offline.
func TestReportIsSelfContained(t *testing.T) {
	pat := PatternConfig{Kind: "step", Rate: 2, Rate2: 10, Duration: Duration(6 * time.Minute), PromptTokens: 500, OutputTokens: 100}
	res := compare(t, testConfig(pat, PolicyConfig{Name: "wva-v1", Type: PolicyWVA}, PolicyConfig{Name: "hpa", Type: PolicyHPA, Target: 10}))
	res.Scenario.Credit = traceCredit
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
	if strings.Contains(page, "<script") || regexp.MustCompile(`(src|href)=`).MatchString(page) {
		t.Error("report loads external resources or scripts")
	}
	for _, u := range regexp.MustCompile(`https?://[^"]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("unexpected URL in the report: %s", u)
		}
	}
	var tbl bytes.Buffer
	if err := res.WriteTable(&tbl); err != nil || strings.Count(tbl.String(), "\n") != 4 {
		t.Errorf("table: %v\n%s", err, tbl.String())
	}
}

// TestSweep varies one threshold and reports one point per value.
func TestSweep(t *testing.T) {
	pat := PatternConfig{Kind: "step", Rate: 2, Rate2: 14, Duration: Duration(8 * time.Minute), PromptTokens: 800, OutputTokens: 150}
	c := testConfig(pat, PolicyConfig{Name: "wva-v1", Type: PolicyWVA})
	sc := scenario(t, c)
	res, err := sc.Sweep(SweepSpec{Policy: "wva-v1", Param: "kvSpareTrigger", Values: []float64{0.05, 0.3, 0.6}}, CompareOptions{})
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
	if _, err := sc.Sweep(SweepSpec{Policy: "wva-v1", Param: "bogus", Values: []float64{1}}, CompareOptions{}); err == nil {
		t.Error("unknown parameter accepted")
	}
}
