package suite

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/plot"
	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
)

// SweepSpec varies one key of one configured policy.
type SweepSpec struct {
	// Policy names a configured policy.
	Policy string
	// Param is the key: interval (seconds) for any policy; for wva a saturation key
	// (kvCacheThreshold, queueLengthThreshold, kvSpareTrigger, queueSpareTrigger,
	// scaleUpThreshold, scaleDownBoundary); otherwise any numeric key of the policy's
	// entry (hpa: target, tolerance; oracle: headroom).
	Param string
	// Values are the settings to try, in order.
	Values []float64
}

// SweepResult is the attainment and cost of each setting.
type SweepResult struct {
	// Scenario describes what was simulated; Policy and Param what was varied.
	Scenario simulator.ScenarioSummary `json:"scenario"`
	Policy   string                    `json:"policy"`
	Param    string                    `json:"param"`
	// OracleCost is the reference the costs are compared with (the oracle tuned to the
	// target), and OracleAttainment what it attained.
	OracleCost       float64      `json:"oracleCost"`
	OracleAttainment float64      `json:"oracleAttainment"`
	Points           []SweepPoint `json:"points"`
}

// SweepPoint is one setting's outcome.
type SweepPoint struct {
	// Value is the parameter's setting; the rest are the run's headline figures.
	Value          float64 `json:"value"`
	Attainment     float64 `json:"attainment"`
	Cost           float64 `json:"cost"`
	CostRatio      float64 `json:"costRatio"`
	MeetsSLO       bool    `json:"meetsSLO"`
	ScaleActions   int     `json:"scaleActions"`
	Reversals      int     `json:"reversals"`
	TTFTP95Seconds float64 `json:"ttftP95Seconds"`
}

// Sweep runs the named policy once per value of the parameter, plus the oracle tuned to
// the target.
func Sweep(sc *simulator.Scenario, reg *policy.Registry, spec SweepSpec, opt Options) (*SweepResult, error) {
	var base *simulator.PolicyConfig
	for i := range sc.Config.Policies {
		if sc.Config.Policies[i].Name == spec.Policy {
			base = &sc.Config.Policies[i]
		}
	}
	if base == nil {
		return nil, fmt.Errorf("%w: sweep: no policy named %q in the config", simulator.ErrConfig, spec.Policy)
	}
	if len(spec.Values) == 0 {
		return nil, fmt.Errorf("%w: sweep: no values", simulator.ErrConfig)
	}
	tune := true
	oracle, err := runEntry(sc, reg, simulator.PolicyConfig{Name: "oracle", Type: policy.TypeOracle, Tune: &tune}, opt)
	if err != nil {
		return nil, err
	}
	out := &SweepResult{Policy: spec.Policy, Param: spec.Param, OracleCost: oracle.Cost, OracleAttainment: oracle.Attainment}
	for _, v := range spec.Values {
		pc, err := withParam(*base, spec.Param, v)
		if err != nil {
			return nil, err
		}
		pc.Name = fmt.Sprintf("%s %s=%g", base.Name, spec.Param, v)
		r, err := runEntry(sc, reg, pc, opt)
		if err != nil {
			return nil, err
		}
		pt := SweepPoint{Value: v, Attainment: r.Attainment, Cost: r.Cost, MeetsSLO: r.MeetsSLO,
			ScaleActions: r.ScaleActions, Reversals: r.Reversals, TTFTP95Seconds: r.TTFT.P95}
		if oracle.Cost > 0 {
			pt.CostRatio = r.Cost / oracle.Cost
		}
		out.Points = append(out.Points, pt)
		if opt.Log != nil {
			opt.Log(fmt.Sprintf("sweep %s=%g: attainment %.4f, cost %.2f", spec.Param, v, r.Attainment, r.Cost))
		}
	}
	out.Scenario = sc.Summary()
	return out, nil
}

// withParam returns a copy of the entry with one key set.
func withParam(pc simulator.PolicyConfig, param string, v float64) (simulator.PolicyConfig, error) {
	if param == "interval" {
		pc.Interval = simulator.Duration(v * float64(time.Second))
		return pc, nil
	}
	fields := map[string]any{}
	if len(pc.Spec) > 0 {
		if err := json.Unmarshal(pc.Spec, &fields); err != nil {
			return pc, fmt.Errorf("sweep: policy %q: %w", pc.Name, err)
		}
	}
	if pc.Type == policy.TypeWVA && saturationKey(param) {
		sat, _ := fields["saturation"].(map[string]any)
		if sat == nil {
			sat = map[string]any{}
		}
		sat[param] = v
		fields["saturation"] = sat
	} else {
		fields[param] = v
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return pc, fmt.Errorf("sweep: %w", err)
	}
	pc.Spec = b
	return pc, nil
}

// saturationKey reports whether key is one of WVA's saturation thresholds.
func saturationKey(key string) bool {
	switch key {
	case "kvCacheThreshold", "queueLengthThreshold", "kvSpareTrigger", "queueSpareTrigger", "scaleUpThreshold", "scaleDownBoundary":
		return true
	}
	return false
}

// WriteTable prints the sweep as a text table.
func (r *SweepResult) WriteTable(w io.Writer) error {
	rows := [][]string{{r.Param, "SLO attainment", "cost", "× oracle", "meets SLO", "actions", "reversals", "TTFT p95 s"}}
	for _, p := range r.Points {
		rows = append(rows, []string{fmt.Sprintf("%g", p.Value), fmt.Sprintf("%.2f%%", 100*p.Attainment), fmt.Sprintf("%.2f", p.Cost),
			fmt.Sprintf("%.2f", p.CostRatio), fmt.Sprintf("%v", p.MeetsSLO), fmt.Sprintf("%d", p.ScaleActions),
			fmt.Sprintf("%d", p.Reversals), fmt.Sprintf("%.2f", p.TTFTP95Seconds)})
	}
	return simulator.WriteAligned(w, rows)
}

// WriteHTML renders the sweep as a self-contained page: attainment against cost, one
// point per setting.
func (r *SweepResult) WriteHTML(w io.Writer) error {
	c := plot.Chart{Title: fmt.Sprintf("%s: SLO attainment vs cost, varying %s", r.Policy, r.Param), XLabel: "cost (replica-hours × variant cost)",
		YLabel: "SLO attainment", Width: 1000, Height: 520, Scatter: true}
	s := plot.Series{Name: r.Policy, Color: plot.Palette(0)}
	for _, p := range r.Points {
		s.X, s.Y = append(s.X, p.Cost), append(s.Y, p.Attainment)
		s.Labels = append(s.Labels, fmt.Sprintf("%s=%g", r.Param, p.Value))
	}
	c.Series = []plot.Series{s, {Name: "oracle (at target)", Color: plot.Palette(1), X: []float64{r.OracleCost}, Y: []float64{r.OracleAttainment}, Labels: []string{"oracle"}}}
	if t := attainmentTarget(r.Scenario); t > 0 {
		c.HLines = []plot.HLine{{Y: t, Label: fmt.Sprintf("target %.0f%%", 100*t), Color: "#b00"}}
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>wva-sim sweep</title><style>` + simulator.ReportCSS + `</style></head><body>`)
	fmt.Fprintf(&b, `<h1>Sweep of %s for %s</h1>`, html.EscapeString(r.Param), html.EscapeString(r.Policy))
	b.WriteString(c.Render())
	b.WriteString(`<table><tr><th>` + html.EscapeString(r.Param) + `</th><th>SLO attainment</th><th>cost</th><th>× oracle</th><th>meets SLO</th><th>actions</th><th>reversals</th></tr>`)
	for _, p := range r.Points {
		fmt.Fprintf(&b, `<tr><td>%g</td><td>%.2f%%</td><td>%.2f</td><td>%.2f</td><td>%v</td><td>%d</td><td>%d</td></tr>`,
			p.Value, 100*p.Attainment, p.Cost, p.CostRatio, p.MeetsSLO, p.ScaleActions, p.Reversals)
	}
	b.WriteString(`</table>`)
	if r.Scenario.Credit != "" {
		fmt.Fprintf(&b, `<p class="credit">Trace: %s.</p>`, html.EscapeString(r.Scenario.Credit))
	}
	b.WriteString(`</body></html>`)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write sweep report: %w", err)
	}
	return nil
}

// attainmentTarget is the first model's target, the reference line of the sweep plot.
func attainmentTarget(s simulator.ScenarioSummary) float64 {
	if len(s.Models) == 0 {
		return 0
	}
	return s.Models[0].AttainmentTarget
}
