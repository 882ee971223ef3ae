package simulator

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/plot"
)

// ReportCSS styles the report; inline, so the page is one self-contained file.
const ReportCSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:8px}
.note{color:#555;font-size:13px;max-width:1000px}.credit{color:#555;font-size:12px;margin-top:32px}`

// WriteHTML renders the result as a self-contained HTML page with inline SVG plots:
// load, replicas per variant per policy, latency against the SLO, attainment and cost
// over time.
func (r *Result) WriteHTML(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>wva-sim report</title><style>` + ReportCSS + `</style></head><body>`)
	b.WriteString(`<h1>WVA trace simulator: policy comparison</h1>`)
	r.htmlScenario(&b)
	b.WriteString(`<h2 id="comparison">Comparison</h2>`)
	r.htmlTable(&b)
	b.WriteString(`<p class="note">SLO attainment: share of all requests whose time to first token and mean inter-token latency are both within target (failed requests count as missed). Cost: replica-hours × variant cost over the period; × oracle: relative to the oracle lower bound (future load known, instant start). Reaction: mean seconds from a load step to the first scale-up decision / to the first new replica serving. Lead: over the steps after which the load outgrew the capacity serving at the step, the mean seconds by which the first scale-up decision / its first replica serving came before that moment (negative: after it). Behind load: minutes during which a resolution bucket's arrivals exceeded what the serving replicas × their variant's calibrated sustainable rate bring in by more than two Poisson standard deviations, summed over the models.</p>`)
	b.WriteString(`<h2 id="load">Load</h2>`)
	b.WriteString(r.loadChart().Render())
	b.WriteString(`<h2 id="replicas">Replicas per variant</h2><p class="note">Solid: replicas in the target's spec (billed once scheduled); dashed: ready replicas. Same scale for every policy.</p><div class="grid">`)
	for _, c := range r.replicaCharts() {
		b.WriteString(c.Render())
	}
	b.WriteString(`</div><h2 id="latency">Latency against the SLO</h2><div class="grid">`)
	for _, c := range r.latencyCharts() {
		b.WriteString(c.Render())
	}
	b.WriteString(`</div><h2 id="cost">Cost over time</h2>`)
	b.WriteString(r.costChart().Render())
	r.htmlReactions(&b)
	r.htmlPolicyPlots(&b)
	if r.Scenario.Credit != "" {
		fmt.Fprintf(&b, `<p class="credit">Trace: %s.</p>`, html.EscapeString(r.Scenario.Credit))
	}
	b.WriteString(`</body></html>`)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// htmlScenario describes the scenario and its variants.
func (r *Result) htmlScenario(b *strings.Builder) {
	s := r.Scenario
	src := "synthetic load"
	if s.Trace != "" {
		src = "trace " + s.Trace
	}
	fmt.Fprintf(b, `<p>%s: %d requests over %.0f min; decision interval %.0f s, scrape interval %.0f s, seed %d.</p>`,
		html.EscapeString(src), s.Requests, s.DurationSeconds/60, s.DecisionIntervalSeconds, s.ScrapeIntervalSeconds, s.Seed)
	b.WriteString(`<table><tr><th>model</th><th>SLO (TTFT / ITL)</th><th>attainment target</th><th>variant</th><th>profile</th><th>cost /h</th><th>start-up</th><th>sustainable req/s per replica</th></tr>`)
	for _, m := range s.Models {
		for _, v := range m.Variants {
			fmt.Fprintf(b, `<tr><td>%s</td><td>%v / %v</td><td>%.0f%%</td><td>%s</td><td>%s</td><td>%.2f</td><td>%s</td><td>%.2f</td></tr>`,
				html.EscapeString(m.Name), m.SLO.TTFT.D(), m.SLO.ITL.D(), 100*m.AttainmentTarget, html.EscapeString(v.Name),
				html.EscapeString(v.Profile), v.Cost, v.StartupDelay, v.SustainableRate)
		}
	}
	b.WriteString(`</table>`)
}

// htmlTable is the comparison table.
func (r *Result) htmlTable(b *strings.Builder) {
	b.WriteString(`<table><tr>`)
	for _, h := range tableHeader() {
		fmt.Fprintf(b, `<th>%s</th>`, html.EscapeString(h))
	}
	b.WriteString(`</tr>`)
	for i := range r.Policies {
		p := &r.Policies[i]
		b.WriteString(`<tr>`)
		for j, cell := range tableRow(p) {
			if j == 0 {
				cell = fmt.Sprintf(`<span style="color:%s">■</span> %s`, plot.Palette(i), html.EscapeString(cell))
				fmt.Fprintf(b, `<td title="%s">%s</td>`, html.EscapeString(p.Detail), cell)
				continue
			}
			fmt.Fprintf(b, `<td>%s</td>`, html.EscapeString(cell))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</table><p class="note">`)
	for i := range r.Policies {
		fmt.Fprintf(b, `<b>%s</b>: %s.<br>`, html.EscapeString(r.Policies[i].Name), html.EscapeString(r.Policies[i].Detail))
	}
	b.WriteString(`</p>`)
}

// htmlReactions lists the reaction to each load step.
func (r *Result) htmlReactions(b *strings.Builder) {
	if len(r.Policies) == 0 || len(r.Policies[0].Reactions) == 0 {
		return
	}
	b.WriteString(`<h2 id="reactions">Reaction to load steps</h2><p class="note">Seconds from each load step to the first scale-up decision / to the first replica of such a scale-up serving / to the moment the load outgrew the capacity serving at the step (the need); – when none within the horizon.</p><table><tr><th>policy</th>`)
	for _, st := range r.Policies[0].Reactions {
		fmt.Fprintf(b, `<th>%s step at %.1f min</th>`, html.EscapeString(st.Model), st.StepSeconds/60)
	}
	b.WriteString(`</tr>`)
	for _, p := range r.Policies {
		fmt.Fprintf(b, `<tr><td>%s</td>`, html.EscapeString(p.Name))
		for _, st := range p.Reactions {
			fmt.Fprintf(b, `<td>%s / %s / %s</td>`, optSeconds(st.FirstScaleUp), optSeconds(st.ReadyCapacity), optSeconds(st.Need))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</table>`)
}

// htmlPolicyPlots draws the charts policies contributed (see Plotter).
func (r *Result) htmlPolicyPlots(b *strings.Builder) {
	for _, p := range r.Policies {
		if len(p.Plots) == 0 {
			continue
		}
		fmt.Fprintf(b, `<h2>%s: its own view</h2><div class="grid">`, html.EscapeString(p.Name))
		for _, pl := range p.Plots {
			b.WriteString(pl.Chart(660, 300).Render())
		}
		b.WriteString(`</div>`)
	}
}

// Chart turns a policy's plot into an SVG chart of the given size; a dashed line takes
// the colour of the line before it, so a predicted series pairs with its observed one.
func (p Plot) Chart(width, height int) plot.Chart {
	c := plot.Chart{Title: p.Title, XLabel: p.XLabel, YLabel: p.YLabel, LogY: p.LogY, Width: width, Height: height}
	colour := -1
	for i, l := range p.Lines {
		if !l.Dashed || i == 0 { // a dashed line takes the colour of the line before it
			colour++
		}
		c.Series = append(c.Series, plot.Series{Name: l.Name, Color: plot.Palette(colour), X: l.X, Y: opts(l.Y), Dashed: l.Dashed})
	}
	return c
}

// optSeconds prints an optional number of seconds.
func optSeconds(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f", *v)
}

// minutes converts seconds to minutes for the time axes.
func minutes(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x / 60
	}
	return out
}

// loadChart plots each model's arrival rate.
func (r *Result) loadChart() plot.Chart {
	c := plot.Chart{Title: "Arrival rate", XLabel: "time (min)", YLabel: "requests/s", Width: 1340, Height: 260}
	for i, l := range r.Load {
		c.Series = append(c.Series, plot.Series{Name: l.Model, Color: plot.Palette(i), X: minutes(l.TimesSeconds), Y: l.Rate, Step: true})
	}
	return c
}

// replicaCharts draws one small chart per policy with a line per variant.
func (r *Result) replicaCharts() []plot.Chart {
	top := 0.0
	for _, p := range r.Policies {
		for _, v := range p.Series.Replicas {
			for _, n := range v.Spec {
				top = math.Max(top, float64(n))
			}
		}
	}
	var out []plot.Chart
	for _, p := range r.Policies {
		c := plot.Chart{Title: p.Name, XLabel: "time (min)", YLabel: "replicas", Width: 440, Height: 250, YMax: top}
		x := minutes(p.Series.TimesSeconds)
		for vi, v := range p.Series.Replicas {
			name := v.Variant
			if len(r.Load) > 1 {
				name = v.Model + "/" + v.Variant
			}
			c.Series = append(c.Series,
				plot.Series{Name: name, Color: plot.Palette(vi + 4), X: x, Y: ints(v.Spec), Step: true},
				plot.Series{Color: plot.Palette(vi + 4), X: x, Y: ints(v.Ready), Step: true, Dashed: true})
		}
		out = append(out, c)
	}
	return out
}

// latencyCharts plot per-bucket p95 TTFT and ITL of every policy against the SLO, and
// per-bucket attainment against the target.
func (r *Result) latencyCharts() []plot.Chart {
	bucket := fmtBucket(r.Scenario.ResolutionSeconds)
	ttft := plot.Chart{Title: "TTFT p95 per " + bucket + " (log scale)", XLabel: "time (min)", YLabel: "seconds", Width: 660, Height: 330, LogY: true}
	itl := plot.Chart{Title: "ITL p95 per " + bucket + " (log scale)", XLabel: "time (min)", YLabel: "seconds", Width: 660, Height: 330, LogY: true}
	att := plot.Chart{Title: "SLO attainment per " + bucket, XLabel: "time (min)", YLabel: "share of requests", Width: 1340, Height: 300, YMax: 1}
	if len(r.Scenario.Models) > 0 {
		m := r.Scenario.Models[0]
		ttft.HLines = []plot.HLine{{Y: m.SLO.TTFT.D().Seconds(), Label: "TTFT SLO " + m.SLO.TTFT.D().String(), Color: "#b00"}}
		itl.HLines = []plot.HLine{{Y: m.SLO.ITL.D().Seconds(), Label: "ITL SLO " + m.SLO.ITL.D().String(), Color: "#b00"}}
		att.HLines = []plot.HLine{{Y: m.AttainmentTarget, Label: fmt.Sprintf("target %.0f%%", 100*m.AttainmentTarget), Color: "#b00"}}
	}
	for i, p := range r.Policies {
		x := minutes(p.Series.TimesSeconds)
		ttft.Series = append(ttft.Series, plot.Series{Name: p.Name, Color: plot.Palette(i), X: x, Y: opts(p.Series.TTFTP95)})
		itl.Series = append(itl.Series, plot.Series{Name: p.Name, Color: plot.Palette(i), X: x, Y: opts(p.Series.ITLP95)})
		att.Series = append(att.Series, plot.Series{Name: p.Name, Color: plot.Palette(i), X: x, Y: opts(p.Series.Attainment)})
	}
	return []plot.Chart{ttft, itl, att}
}

// costChart plots the cumulative cost of every policy.
func (r *Result) costChart() plot.Chart {
	c := plot.Chart{Title: "Cumulative cost", XLabel: "time (min)", YLabel: "cost", Width: 1340, Height: 300}
	for i, p := range r.Policies {
		c.Series = append(c.Series, plot.Series{Name: p.Name, Color: plot.Palette(i), X: minutes(p.Series.TimesSeconds), Y: p.Series.CumulativeCost})
	}
	return c
}

func ints(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// opts turns optional values into floats with NaN gaps.
func opts(xs []*float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.NaN()
		if x != nil {
			out[i] = *x
		}
	}
	return out
}

// fmtBucket names the series bucket width, e.g. "1m0s bucket".
func fmtBucket(seconds float64) string {
	return (time.Duration(seconds * float64(time.Second))).String() + " bucket"
}
