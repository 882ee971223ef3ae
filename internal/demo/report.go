package demo

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
	"github.com/workload-variant-autoscaler/wva/internal/plot"
)

// SLO is the latency target the report draws: the "Standard" service class of
// config/manager (TTFT 1 s, ITL 50 ms), so a reader sees when scaling kept up.
type SLO struct {
	// TTFT is the time-to-first-token target, ITL the inter-token latency target.
	TTFT, ITL time.Duration
}

// Recording is everything a run produced: the report's input and its JSON file, so a
// run can be analysed (or its report redrawn) after the cluster is gone.
type Recording struct {
	// Scenario, Phases and Credit describe the load; DurationSec its length.
	Scenario    string  `json:"scenario"`
	Phases      []Phase `json:"phases"`
	Credit      string  `json:"credit,omitempty"`
	DurationSec float64 `json:"durationSeconds"`
	// Started is when the load started; sample times count from it.
	Started time.Time `json:"started"`
	// Actuation, Mode and ScaleToZero are how WVA ran.
	Actuation   string `json:"actuation"`
	Mode        string `json:"mode"`
	ScaleToZero bool   `json:"scaleToZero"`
	// Model and Variants are what was served, with the variants' costs.
	Model    string    `json:"model"`
	Variants []Variant `json:"variants"`
	// SLO is drawn on the latency plots.
	SLO SLO `json:"-"`
	// Interrupted is true when Ctrl-C ended the run early.
	Interrupted bool `json:"interrupted"`
	// Load is the load generator's summary of the whole run.
	Load loadgen.Summary `json:"load"`
	// Samples and Decisions are the time series and WVA's decisions.
	Samples   []Sample   `json:"samples"`
	Decisions []Decision `json:"decisions"`
	// WakeUps are the model's wake-ups from zero (scale to zero on).
	WakeUps []WakeUp `json:"wakeUps,omitempty"`
}

// ReportFiles are the paths of a written report, for the demo to print.
type ReportFiles struct {
	// HTML is the page with the plots; CSV and JSON hold the raw series.
	HTML, CSV, JSON string
}

// WriteReport writes report.html (self-contained, inline SVG), series.csv and
// series.json into dir.
func WriteReport(dir string, r Recording) (ReportFiles, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ReportFiles{}, fmt.Errorf("create report folder: %w", err)
	}
	f := ReportFiles{HTML: filepath.Join(dir, "report.html"), CSV: filepath.Join(dir, "series.csv"), JSON: filepath.Join(dir, "series.json")}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return f, fmt.Errorf("encode series: %w", err)
	}
	if err := os.WriteFile(f.JSON, data, 0o644); err != nil {
		return f, fmt.Errorf("write series: %w", err)
	}
	if err := writeCSV(f.CSV, r); err != nil {
		return f, err
	}
	if err := os.WriteFile(f.HTML, []byte(renderHTML(r)), 0o644); err != nil {
		return f, fmt.Errorf("write report: %w", err)
	}
	return f, nil
}

func writeCSV(path string, r Recording) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	w := csv.NewWriter(file)
	head := []string{"t_seconds", "phase", "offered_rps", "completed_rps", "failed", "ttft_p50_s", "ttft_p95_s", "itl_p95_s", "cost_rate_per_h", "cost",
		"hybrid_observed_rps", "hybrid_forecast_rps", "hybrid_planned_rps", "hybrid_horizon_s"}
	for _, v := range r.Variants {
		for _, c := range []string{"current", "desired", "ready", "kv_usage", "waiting", "running", "capacity_answer", "model_answer"} {
			head = append(head, v.Name+"_"+c)
		}
	}
	_ = w.Write(head)
	ff := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return ff(*v)
	}
	for _, s := range r.Samples {
		row := []string{ff(s.T), s.Phase, ff(s.OfferedRPS), ff(s.CompletedRPS), strconv.Itoa(s.Failed), opt(s.TTFTP50), opt(s.TTFTP95), opt(s.ITLP95), ff(s.CostRate), ff(s.Cost)}
		if h := s.Hybrid; h != nil {
			row = append(row, ff(h.ObservedRPS), ff(h.ForecastRPS), ff(h.PlannedRPS), ff(h.HorizonSec))
		} else {
			row = append(row, "", "", "", "")
		}
		for _, vs := range s.Variants {
			row = append(row, strconv.Itoa(vs.Current), strconv.Itoa(vs.Desired), strconv.Itoa(vs.Ready), ff(vs.KVUsage), ff(vs.Waiting), ff(vs.Running),
				opt(vs.CapacityAnswer), opt(vs.ModelAnswer))
		}
		_ = w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		_ = file.Close()
		return fmt.Errorf("write CSV: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

const reportCSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f4f4f4}.grid{display:flex;flex-wrap:wrap;gap:8px}.note{color:#555;font-size:13px;max-width:1100px}
.credit{color:#555;font-size:12px;margin-top:32px}`

// renderHTML is the report page: a summary, the plots and the decisions.
func renderHTML(r Recording) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>WVA demo report</title><style>%s</style></head><body>\n", reportCSS)
	fmt.Fprintf(&b, "<h1>WVA demo: %s</h1>\n", html.EscapeString(r.Model))
	status := "ran to completion"
	if r.Interrupted {
		status = "interrupted (Ctrl-C); the report shows what was recorded"
	}
	fmt.Fprintf(&b, `<p class="note">Scenario <b>%s</b>, %.0f s, started %s, %s. Mode <b>%s</b>, actuation <b>%s</b>, scale to zero <b>%v</b>. `+
		`Load through the gateway: %d requests sent, %d answered, %d failed; TTFT p95 %.3f s, ITL p95 %.1f ms over the whole run.</p>`+"\n",
		html.EscapeString(r.Scenario), r.DurationSec, r.Started.UTC().Format(time.RFC3339), status, html.EscapeString(r.Mode), html.EscapeString(r.Actuation), r.ScaleToZero,
		r.Load.Requests, r.Load.Succeeded, r.Load.Failed, r.Load.TTFT.P95, 1000*r.Load.ITL.P95)
	if len(r.Phases) > 1 {
		var ps []string
		for _, p := range r.Phases {
			rate := fmt.Sprintf("%g req/s", p.Rate0)
			if p.Rate1 != p.Rate0 {
				rate = fmt.Sprintf("%g → %g req/s", p.Rate0, p.Rate1)
			}
			ps = append(ps, fmt.Sprintf("<b>%s</b> %.0f–%.0f s (%s)", html.EscapeString(p.Name), p.From.Seconds(), p.To.Seconds(), rate))
		}
		fmt.Fprintf(&b, "<p class=\"note\">Phases: %s.</p>\n", strings.Join(ps, ", "))
	}
	b.WriteString("<table><tr><th>variant</th><th>accelerator</th><th>server profile</th><th>variantCost (per replica-hour)</th><th>replicas min / max</th></tr>\n")
	for i, v := range r.Variants {
		lo, hi := replicaRange(r.Samples, i)
		fmt.Fprintf(&b, `<tr><td><span style="color:%s">■</span> %s</td><td>%s</td><td>%s</td><td>%.1f</td><td>%d / %d</td></tr>`+"\n",
			plot.Palette(i), html.EscapeString(v.Name), v.Accelerator, v.Profile, v.Cost, lo, hi)
	}
	b.WriteString("</table>\n")
	for _, c := range charts(r) {
		b.WriteString(c.Render())
		b.WriteString("\n")
	}
	if r.ScaleToZero {
		b.WriteString(wakeUpsHTML(r.WakeUps))
	}
	b.WriteString("<h2>Decisions</h2>\n<p class=\"note\">Each change of a variant's desired replicas, from WVA's DesiredReplicasChanged events (<code>kubectl get events --field-selector reason=DesiredReplicasChanged</code>).</p>\n")
	b.WriteString("<table><tr><th>t (s)</th><th>variant</th><th>decision</th></tr>\n")
	for _, d := range r.Decisions {
		fmt.Fprintf(&b, "<tr><td>%.0f</td><td>%s</td><td>%s</td></tr>\n", d.T, html.EscapeString(d.Variant), html.EscapeString(d.Message))
	}
	b.WriteString("</table>\n")
	b.WriteString(`<p class="credit">Raw series: series.csv and series.json next to this page. Model servers are simulated (vllm-sim, internal/servermodel profiles); latencies are measured by the load generator as a client sees them.`)
	if r.Credit != "" {
		fmt.Fprintf(&b, " %s", html.EscapeString(r.Credit))
	}
	b.WriteString("</p>\n</body></html>\n")
	return b.String()
}

func replicaRange(ss []Sample, i int) (lo, hi int) {
	lo = math.MaxInt
	for _, s := range ss {
		if i < len(s.Variants) {
			lo, hi = min(lo, s.Variants[i].Current), max(hi, s.Variants[i].Current)
		}
	}
	if lo == math.MaxInt {
		lo = 0
	}
	return lo, hi
}

// charts are the report's plots, all against seconds since the load started.
func charts(r Recording) []plot.Chart {
	n := len(r.Samples)
	x := make([]float64, n)
	col := func(f func(Sample) float64) []float64 {
		out := make([]float64, n)
		for i, s := range r.Samples {
			out[i] = f(s)
		}
		return out
	}
	opt := func(f func(Sample) *float64) []float64 {
		return col(func(s Sample) float64 {
			if v := f(s); v != nil {
				return *v
			}
			return math.NaN()
		})
	}
	for i, s := range r.Samples {
		x[i] = s.T
	}
	const wide, half, xl = 1340, 660, "time since the load started (s)"
	load := plot.Chart{Title: "Load through the gateway", XLabel: xl, YLabel: "requests/s", Width: wide, Height: 260, Series: []plot.Series{
		{Name: "offered (schedule, last 10 s)", Color: plot.Palette(6), X: x, Y: col(func(s Sample) float64 { return s.OfferedRPS }), Step: true},
		{Name: "answered (last 10 s)", Color: plot.Palette(2), X: x, Y: col(func(s Sample) float64 { return s.CompletedRPS }), Step: true, Dashed: true},
	}}
	reps := plot.Chart{Title: "Replicas per variant (solid: desired by WVA, dashed: ready)", XLabel: xl, YLabel: "replicas", Width: wide, Height: 300}
	kv := plot.Chart{Title: "KV-cache usage (mean of the variant's replicas)", XLabel: xl, YLabel: "fraction", Width: half, Height: 280, YMax: 1,
		HLines: []plot.HLine{{Y: 0.8, Label: "saturation threshold 0.8", Color: "#b00"}}}
	queue := plot.Chart{Title: "Waiting requests (sum over the variant's replicas)", XLabel: xl, YLabel: "requests", Width: half, Height: 280,
		HLines: []plot.HLine{{Y: 5, Label: "per-replica threshold 5", Color: "#b00"}}}
	for i, v := range r.Variants {
		get := func(f func(VariantSample) float64) []float64 {
			return col(func(s Sample) float64 {
				if i < len(s.Variants) {
					return f(s.Variants[i])
				}
				return math.NaN()
			})
		}
		reps.Series = append(reps.Series,
			plot.Series{Name: v.Name + " desired", Color: plot.Palette(i), X: x, Y: get(func(vs VariantSample) float64 {
				if vs.Desired < 0 {
					return math.NaN()
				}
				return float64(vs.Desired)
			}), Step: true},
			plot.Series{Name: v.Name + " ready", Color: plot.Palette(i), X: x, Y: get(func(vs VariantSample) float64 { return float64(vs.Ready) }), Step: true, Dashed: true})
		kv.Series = append(kv.Series, plot.Series{Name: v.Name, Color: plot.Palette(i), X: x, Y: get(func(vs VariantSample) float64 { return vs.KVUsage })})
		queue.Series = append(queue.Series, plot.Series{Name: v.Name, Color: plot.Palette(i), X: x, Y: get(func(vs VariantSample) float64 { return vs.Waiting })})
	}
	ttft := plot.Chart{Title: fmt.Sprintf("TTFT over the last %s (log scale)", latencyWindow), XLabel: xl, YLabel: "seconds", Width: half, Height: 300, LogY: true,
		HLines: []plot.HLine{{Y: r.SLO.TTFT.Seconds(), Label: "SLO " + r.SLO.TTFT.String(), Color: "#b00"}},
		Series: []plot.Series{
			{Name: "p50", Color: plot.Palette(5), X: x, Y: opt(func(s Sample) *float64 { return s.TTFTP50 })},
			{Name: "p95", Color: plot.Palette(0), X: x, Y: opt(func(s Sample) *float64 { return s.TTFTP95 })},
		}}
	itl := plot.Chart{Title: fmt.Sprintf("Inter-token latency p95 over the last %s", latencyWindow), XLabel: xl, YLabel: "seconds", Width: half, Height: 300,
		HLines: []plot.HLine{{Y: r.SLO.ITL.Seconds(), Label: "SLO " + r.SLO.ITL.String(), Color: "#b00"}},
		Series: []plot.Series{{Name: "p95", Color: plot.Palette(0), X: x, Y: opt(func(s Sample) *float64 { return s.ITLP95 })}}}
	cost := plot.Chart{Title: "Cost: cumulative (Σ replicas × variantCost × hours)", XLabel: xl, YLabel: "cost", Width: half, Height: 280,
		Series: []plot.Series{{Name: "cumulative cost", Color: plot.Palette(3), X: x, Y: col(func(s Sample) float64 { return s.Cost })}}}
	rate := plot.Chart{Title: "Cost rate (Σ current replicas × variantCost)", XLabel: xl, YLabel: "cost per hour", Width: half, Height: 280,
		Series: []plot.Series{{Name: "cost per hour", Color: plot.Palette(4), X: x, Y: col(func(s Sample) float64 { return s.CostRate }), Step: true}}}
	out := []plot.Chart{load, reps}
	out = append(out, hybridCharts(r, x, col, opt)...)
	return append(out, kv, queue, ttft, itl, rate, cost)
}

// hybridCharts are HYBRID mode's plots, when WVA published its series: per variant the
// capacity answer (the saturation analyser's, the floor) against the model's answer, and
// the model's arrival rate as WVA observed, forecast (one horizon ahead) and planned it,
// drawn when each was made.
func hybridCharts(r Recording, x []float64, col func(func(Sample) float64) []float64, opt func(func(Sample) *float64) []float64) []plot.Chart {
	published := false
	for _, s := range r.Samples {
		published = published || s.Hybrid != nil
	}
	if !published {
		return nil
	}
	const wide, xl = 1340, "time since the load started (s)"
	answers := plot.Chart{Title: "HYBRID: capacity answer (solid, the saturation analyser's floor) and model answer (dashed) per variant",
		XLabel: xl, YLabel: "replicas", Width: wide, Height: 300}
	for i, v := range r.Variants {
		get := func(f func(VariantSample) *float64) []float64 {
			return opt(func(s Sample) *float64 {
				if i < len(s.Variants) {
					return f(s.Variants[i])
				}
				return nil
			})
		}
		answers.Series = append(answers.Series,
			plot.Series{Name: v.Name + " capacity answer", Color: plot.Palette(i), X: x, Y: get(func(vs VariantSample) *float64 { return vs.CapacityAnswer }), Step: true},
			plot.Series{Name: v.Name + " model answer", Color: plot.Palette(i), X: x, Y: get(func(vs VariantSample) *float64 { return vs.ModelAnswer }), Step: true, Dashed: true})
	}
	hyb := func(f func(HybridSample) float64) []float64 {
		return col(func(s Sample) float64 {
			if s.Hybrid == nil {
				return math.NaN()
			}
			return f(*s.Hybrid)
		})
	}
	horizon := 0.0
	for _, s := range r.Samples {
		if s.Hybrid != nil {
			horizon = s.Hybrid.HorizonSec
		}
	}
	forecast := plot.Chart{Title: fmt.Sprintf("HYBRID: the model's arrival rate as WVA observed it, and its forecast for %.0f s ahead (the start-up time plus one interval), drawn when made", horizon),
		XLabel: xl, YLabel: "requests/s", Width: wide, Height: 280, Series: []plot.Series{
			{Name: "observed by WVA (last window)", Color: plot.Palette(2), X: x, Y: hyb(func(h HybridSample) float64 { return h.ObservedRPS }), Step: true},
			{Name: "forecast", Color: plot.Palette(0), X: x, Y: hyb(func(h HybridSample) float64 { return h.ForecastRPS })},
			{Name: "planned (forecast + headroom)", Color: plot.Palette(3), X: x, Y: hyb(func(h HybridSample) float64 { return h.PlannedRPS }), Dashed: true},
			{Name: "offered (schedule, last 10 s)", Color: plot.Palette(6), X: x, Y: col(func(s Sample) float64 { return s.OfferedRPS }), Step: true, Dashed: true},
		}}
	return []plot.Chart{answers, forecast}
}
