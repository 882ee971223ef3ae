package simulator

import (
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/plot"
)

// SweepSpec varies one threshold of one configured policy.
type SweepSpec struct {
	// Policy names a configured policy (wva or hpa).
	Policy string
	// Param is the threshold: for wva kvCacheThreshold, queueLengthThreshold,
	// kvSpareTrigger, queueSpareTrigger, scaleUpThreshold or scaleDownBoundary; for hpa
	// target or tolerance; for either interval (seconds).
	Param string
	// Values are the settings to try, in order.
	Values []float64
}

// SweepResult is the attainment and cost of each setting.
type SweepResult struct {
	// Scenario describes what was simulated; Policy and Param what was varied.
	Scenario ScenarioSummary `json:"scenario"`
	Policy   string          `json:"policy"`
	Param    string          `json:"param"`
	// OracleCost is the lower bound the costs are compared with, and OracleAttainment
	// what the oracle's plan attained.
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

// Sweep runs the named policy once per value of the parameter, plus the oracle once.
func (sc *Scenario) Sweep(spec SweepSpec, opt CompareOptions) (*SweepResult, error) {
	var base *PolicyConfig
	for i := range sc.Config.Policies {
		if sc.Config.Policies[i].Name == spec.Policy {
			base = &sc.Config.Policies[i]
		}
	}
	if base == nil {
		return nil, fmt.Errorf("%w: sweep: no policy named %q in the config", ErrConfig, spec.Policy)
	}
	if len(spec.Values) == 0 {
		return nil, fmt.Errorf("%w: sweep: no values", ErrConfig)
	}
	oracle, err := sc.runConfigured(PolicyConfig{Name: "oracle", Type: PolicyOracle}, opt)
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
		r, err := sc.runConfigured(pc, opt)
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
	out.Scenario = sc.summary()
	return out, nil
}

// withParam returns a copy of the policy config with one threshold set.
func withParam(pc PolicyConfig, param string, v float64) (PolicyConfig, error) {
	if param == "interval" {
		pc.Interval = Duration(v * float64(time.Second))
		return pc, nil
	}
	switch pc.Type {
	case PolicyWVA:
		sat := decision.SaturationConfig{}
		if pc.Saturation != nil {
			sat = *pc.Saturation
		}
		if err := setSaturation(&sat, param, v); err != nil {
			return pc, err
		}
		pc.Saturation = &sat
		return pc, nil
	case PolicyHPA:
		switch param {
		case "target":
			pc.Target = v
			return pc, nil
		case "tolerance":
			pc.Tolerance = &v
			return pc, nil
		}
	}
	return pc, fmt.Errorf("%w: sweep: policy type %q has no parameter %q", ErrConfig, pc.Type, param)
}

// setSaturation sets one saturation key by its ConfigMap name.
func setSaturation(s *decision.SaturationConfig, key string, v float64) error {
	fields := map[string]*float64{
		"kvCacheThreshold": &s.KvCacheThreshold, "queueLengthThreshold": &s.QueueLengthThreshold,
		"kvSpareTrigger": &s.KvSpareTrigger, "queueSpareTrigger": &s.QueueSpareTrigger,
		"scaleUpThreshold": &s.ScaleUpThreshold, "scaleDownBoundary": &s.ScaleDownBoundary,
	}
	f, ok := fields[key]
	if !ok {
		return fmt.Errorf("%w: sweep: unknown saturation key %q", ErrConfig, key)
	}
	*f = v
	return nil
}

// WriteTable prints the sweep as a text table.
func (r *SweepResult) WriteTable(w io.Writer) error {
	rows := [][]string{{r.Param, "SLO attainment", "cost", "× oracle", "meets SLO", "actions", "reversals", "TTFT p95 s"}}
	for _, p := range r.Points {
		rows = append(rows, []string{fmt.Sprintf("%g", p.Value), fmt.Sprintf("%.2f%%", 100*p.Attainment), fmt.Sprintf("%.2f", p.Cost),
			fmt.Sprintf("%.2f", p.CostRatio), fmt.Sprintf("%v", p.MeetsSLO), fmt.Sprintf("%d", p.ScaleActions),
			fmt.Sprintf("%d", p.Reversals), fmt.Sprintf("%.2f", p.TTFTP95Seconds)})
	}
	return writeAligned(w, rows)
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
	c.Series = []plot.Series{s, {Name: "oracle (lower bound)", Color: plot.Palette(1), X: []float64{r.OracleCost}, Y: []float64{r.OracleAttainment}, Labels: []string{"oracle"}}}
	if t := attainmentTarget(r.Scenario); t > 0 {
		c.HLines = []plot.HLine{{Y: t, Label: fmt.Sprintf("target %.0f%%", 100*t), Color: "#b00"}}
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>wva-sim sweep</title><style>` + reportCSS + `</style></head><body>`)
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
func attainmentTarget(s ScenarioSummary) float64 {
	if len(s.Models) == 0 {
		return 0
	}
	return s.Models[0].AttainmentTarget
}
