package simulator

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// plottingPolicy is a script policy that contributes a chart.
type plottingPolicy struct{ scriptPolicy }

func (p *plottingPolicy) Plots(observed *PolicyResult, load []LoadSeries) []Plot {
	var y []*float64
	for _, r := range load[0].Rate {
		y = append(y, ptr(r*1.1))
	}
	return []Plot{{Title: "forecast against actual", XLabel: "time (s)", YLabel: "requests/s", Lines: []PlotLine{
		{Name: "actual", X: load[0].TimesSeconds, Y: opt(load[0].Rate)},
		{Name: "forecast", Dashed: true, X: load[0].TimesSeconds, Y: y},
	}}}
}

func opt(xs []float64) []*float64 {
	out := make([]*float64, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}

// TestClassesAndPlots: each class is judged by its own SLO and target, carries its
// priority, and a class below its target fails its model even when the model's share
// is above; a policy's own charts reach the result and the report.
func TestClassesAndPlots(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 4, Duration: Duration(3 * time.Minute), PromptTokens: 500, OutputTokens: 100}
	c := testConfig(pat)
	c.Models[0].Classes = []ClassConfig{
		{Name: "Standard", Weight: 24, Priority: 5, SLO: SLO{TTFT: Duration(time.Second), ITL: Duration(50 * time.Millisecond)}},
		{Name: "Impossible", Weight: 1, Priority: 1, SLO: SLO{TTFT: Duration(time.Microsecond), ITL: Duration(50 * time.Millisecond)}},
	}
	sc := scenario(t, c)
	res, err := sc.Run(&plottingPolicy{scriptPolicy{initial: 2}}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	std, imp, m := res.Classes[0], res.Classes[1], res.Models[0]
	if !std.MeetsTarget || std.Priority != 5 || imp.MeetsTarget || imp.Attainment != 0 || imp.Priority != 1 {
		t.Errorf("classes %+v", res.Classes)
	}
	if m.Attainment < m.Target || m.MeetsTarget || res.MeetsSLO {
		t.Errorf("model %+v, meets %v: want its share above target but the model failed by its class", m, res.MeetsSLO)
	}
	if len(res.Plots) != 1 || len(res.Plots[0].Lines) != 2 {
		t.Fatalf("plots %+v", res.Plots)
	}
	page := Result{Scenario: sc.Summary(), Load: sc.LoadSeries(), Policies: []PolicyResult{res}}
	var b bytes.Buffer
	if err := page.WriteHTML(&b); err != nil || !strings.Contains(b.String(), "forecast against actual") {
		t.Errorf("report lacks the policy's chart: %v", err)
	}
}

// TestPerModelSeries: with several models the series carry each model's latency and
// attainment per bucket, which together make up the overall ones.
func TestPerModelSeries(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 3, Duration: Duration(3 * time.Minute), PromptTokens: 500, OutputTokens: 100}
	c := testConfig(pat)
	c.Models = append(c.Models, c.Models[0])
	c.Models[1].Name = "other"
	c.Models[1].SLO.TTFT = Duration(time.Microsecond) // nothing meets it
	res, err := scenario(t, c).Run(&twoModels{}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Series.Models) != 2 {
		t.Fatalf("%d per-model series, want 2", len(res.Series.Models))
	}
	for b, att := range res.Series.Attainment {
		first, second := res.Series.Models[0].Attainment[b], res.Series.Models[1].Attainment[b]
		if att == nil || first == nil || second == nil {
			continue
		}
		if *second != 0 || *first < 0.9 || *att > *first || *att < *second {
			t.Errorf("bucket %d: overall %.2f, models %.2f and %.2f; want the second at 0 and the overall between", b, *att, *first, *second)
		}
	}
}

// twoModels keeps two replicas of each of two models.
type twoModels struct{ scriptPolicy }

func (p *twoModels) Initial() Desired              { return Desired{{2}, {2}} }
func (p *twoModels) Decide(*View) (Desired, error) { return Desired{{2}, {2}}, nil }
