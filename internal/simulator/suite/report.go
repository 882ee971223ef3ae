package suite

import (
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/plot"
	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// WriteHTML renders the suite as one self-contained page (inline SVG, no script): the
// headline, then per scenario its description, an attainment-against-cost scatter
// (every policy as written and tuned, the search's probes, the oracle and the capacity
// bound, the target), the load, the table, the per-model and per-class attainment, and
// the charts policies contribute (simulator.Plotter).
func (r *Result) WriteHTML(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>WVA benchmark suite</title><style>` + simulator.ReportCSS + `</style></head><body>`)
	b.WriteString(`<h1>WVA benchmark suite: cost at SLO</h1>`)
	if r.Short {
		b.WriteString(`<p class="note"><b>Quick form</b>: the scenarios ran shortened (smoke test); figures are not the benchmark's.</p>`)
	}
	b.WriteString(`<p class="note">Each policy runs as written (its default) and tuned: the cheapest step of its main knob with which every model meets its attainment target, so that one step cheaper misses it. <b>oracle</b> knows the future load and starts replicas instantly, tuned the same way (the headroom on the rate it credits each replica); it is the reference of every × oracle. <b>capacity-bound</b> is the oracle crediting each replica with its calibrated sustainable rate alone.</p>`)
	b.WriteString(`<h2 id="headline">Headline</h2>`)
	htmlTable(&b, headlineHeader(), r.headlineRows())
	b.WriteString(`<p class="note">Scenarios: `)
	for i, s := range r.Scenarios {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `<a href="#%s">%s</a>`, anchor(s.Name), html.EscapeString(s.Name))
	}
	b.WriteString(`.</p>`)
	credits := map[string]bool{}
	for i := range r.Scenarios {
		r.Scenarios[i].html(&b)
		if c := r.Scenarios[i].Summary.Credit; c != "" {
			credits[c] = true
		}
	}
	for _, c := range slices.Sorted(maps.Keys(credits)) {
		fmt.Fprintf(&b, `<p class="credit">Trace: %s.</p>`, html.EscapeString(c))
	}
	b.WriteString(`</body></html>`)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write suite report: %w", err)
	}
	return nil
}

// html renders one scenario's section.
func (s *ScenarioResult) html(b *strings.Builder) {
	fmt.Fprintf(b, `<h2 id="%s">%s</h2>`, anchor(s.Name), html.EscapeString(s.Name))
	if s.Description != "" {
		fmt.Fprintf(b, `<p class="note">%s</p>`, html.EscapeString(s.Description))
	}
	sum := s.Summary
	fmt.Fprintf(b, `<p class="note">%d requests over %.0f min (seed %d, decisions every %.0f s). `, sum.Requests, sum.DurationSeconds/60, sum.Seed, sum.DecisionIntervalSeconds)
	for _, m := range sum.Models {
		fmt.Fprintf(b, `%s: target %.0f%%; `, html.EscapeString(m.Name), 100*m.AttainmentTarget)
		for _, v := range m.Variants {
			fmt.Fprintf(b, `%s %.2f req/s per replica at cost %.2f/h, start-up %s; `, html.EscapeString(v.Name), v.SustainableRate, v.Cost, v.StartupDelay)
		}
	}
	b.WriteString(`</p><div class="grid">`)
	b.WriteString(s.scatter().Render())
	b.WriteString(s.loadChart().Render())
	b.WriteString(`</div><p class="note">○ as written, ● tuned, small dots: every run of the search; ◆ oracle (at target), ◇ capacity-bound; dashed: attainment target.</p>`)
	var rows [][]string
	for pi := range s.Policies {
		for _, row := range s.Policies[pi].Rows() {
			rows = append(rows, rowCells(s.Name, row)[1:])
		}
	}
	htmlTable(b, tableHeader()[1:], rows)
	if h, rows := s.breakdown(); len(rows) > 0 {
		b.WriteString(`<p class="note">Attainment per model, then per class in brackets in the order of the header, each class against its own SLO (✗: below its target; a model fails when any of its classes does).</p>`)
		htmlTable(b, h, rows)
	}
	for pi := range s.Policies {
		for _, row := range s.Policies[pi].Rows() {
			if len(row.Result.Plots) == 0 {
				continue
			}
			fmt.Fprintf(b, `<h3>%s: its own view</h3><div class="grid">`, html.EscapeString(row.Label))
			for _, p := range row.Result.Plots {
				b.WriteString(p.Chart(660, 300).Render())
			}
			b.WriteString(`</div>`)
		}
	}
}

// scatter plots attainment against cost: per policy its probes (small), its default
// (ring) and its tuned run (dot); the oracle's rows as diamonds; the target as a line.
func (s *ScenarioResult) scatter() plot.Chart {
	c := plot.Chart{Title: "SLO attainment against cost", XLabel: "cost (replica-hours × variant cost, log scale)", YLabel: "SLO attainment",
		Width: 660, Height: 420, Scatter: true, LogX: true}
	colour := 0
	for pi := range s.Policies {
		p := &s.Policies[pi]
		if p.Type == oracleType {
			c.Series = append(c.Series, oracleSeries(p)...)
			continue
		}
		col := plot.Palette(colour)
		colour++
		probes := plot.Series{Color: col, Marker: plot.MarkerSmall}
		for _, pr := range p.Probes {
			probes.X, probes.Y = append(probes.X, pr.Cost), append(probes.Y, pr.Attainment)
		}
		def := plot.Series{Color: col, Marker: plot.MarkerRing, X: []float64{p.Default.Result.Cost}, Y: []float64{p.Default.Result.Attainment}}
		c.Series = append(c.Series, probes, def)
		if p.Tuned != nil {
			c.Series = append(c.Series, plot.Series{Name: p.Name, Color: col, X: []float64{p.Tuned.Result.Cost}, Y: []float64{p.Tuned.Result.Attainment}})
		} else {
			c.Series[len(c.Series)-1].Name = p.Name
		}
	}
	if len(s.Summary.Models) > 0 {
		t := s.Summary.Models[0].AttainmentTarget
		c.HLines = []plot.HLine{{Y: t, Label: fmt.Sprintf("target %.0f%%", 100*t), Color: "#b00"}}
	}
	return c
}

// oracleSeries are an oracle entry's two rows as diamonds.
func oracleSeries(p *PolicyOutcome) []plot.Series {
	out := []plot.Series{{Name: p.Default.Label, Color: "#444", Marker: plot.MarkerOpenDiamond,
		X: []float64{p.Default.Result.Cost}, Y: []float64{p.Default.Result.Attainment}}}
	if p.Tuned != nil {
		out = append(out, plot.Series{Name: p.Tuned.Label, Color: "#000", Marker: plot.MarkerDiamond,
			X: []float64{p.Tuned.Result.Cost}, Y: []float64{p.Tuned.Result.Attainment}})
	}
	return out
}

// loadChart plots each model's arrival rate.
func (s *ScenarioResult) loadChart() plot.Chart {
	c := plot.Chart{Title: "Arrival rate", XLabel: "time (min)", YLabel: "requests/s", Width: 660, Height: 420}
	for i, l := range s.Load {
		x := make([]float64, len(l.TimesSeconds))
		for j, t := range l.TimesSeconds {
			x[j] = t / 60
		}
		c.Series = append(c.Series, plot.Series{Name: l.Model, Color: plot.Palette(i), X: x, Y: l.Rate, Step: true})
	}
	return c
}

// htmlTable writes a table with a header row.
func htmlTable(b *strings.Builder, header []string, rows [][]string) {
	b.WriteString(`<table><tr>`)
	for _, h := range header {
		fmt.Fprintf(b, `<th>%s</th>`, html.EscapeString(h))
	}
	b.WriteString(`</tr>`)
	for _, row := range rows {
		b.WriteString(`<tr>`)
		for _, cell := range row {
			fmt.Fprintf(b, `<td>%s</td>`, html.EscapeString(cell))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</table>`)
}

// anchor makes a name usable as a fragment identifier.
func anchor(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, name)
}
