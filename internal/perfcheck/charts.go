package perfcheck

import (
	"fmt"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/plot"
)

// ValidityCharts draws, per variant and latency, the simulated 95th percentile (solid)
// and the model's (dashed) against the load, one colour per mix; keyed by a file stem.
func ValidityCharts(points []Point) map[string]plot.Chart {
	out := map[string]plot.Chart{}
	for _, metric := range []string{"TTFT", "ITL"} {
		for _, v := range distinct(points, func(p Point) string { return p.Variant }) {
			c := plot.Chart{Title: fmt.Sprintf("p95 %s, %s: simulated (solid) and predicted (dashed)", metric, v),
				XLabel: "load (% of saturation)", YLabel: "milliseconds", Width: 720, Height: 360, LogY: true}
			for i, mix := range distinct(points, func(p Point) string { return p.Mix }) {
				var x, sim, model []float64
				for _, p := range points {
					if p.Variant != v || p.Mix != mix {
						continue
					}
					x = append(x, 100*p.Load)
					if metric == "TTFT" {
						sim, model = append(sim, 1e3*p.Sim.TTFTP95), append(model, 1e3*p.TTFTP95)
					} else {
						sim, model = append(sim, 1e3*p.Sim.ITLP95), append(model, 1e3*p.ITLP95)
					}
				}
				c.Series = append(c.Series,
					plot.Series{Name: mix, Color: plot.Palette(i), X: x, Y: sim},
					plot.Series{Color: plot.Palette(i), X: x, Y: model, Dashed: true})
			}
			out[fmt.Sprintf("perfmodel-validity-%s-%s", shortName(v), strings.ToLower(metric))] = c
		}
	}
	return out
}

// LearningCharts draws a learning run: each parameter over the truth per window (solid
// from a prior twice too slow, dashed from one twice too fast), and the mean latencies
// the state predicted for each window before learning from it against those observed.
func LearningCharts(runs []Learning, truth Variant) map[string]plot.Chart {
	params := plot.Chart{Title: "Learned parameter / true value, per 30 s window (prior 2× off)", XLabel: "minutes of traffic",
		YLabel: "learned / true", Width: 720, Height: 320, LogY: true,
		HLines: []plot.HLine{{Y: 1, Label: "true value", Color: "#555"}}}
	for _, r := range runs {
		if r.Prior != [3]float64{2, 2, 2} && r.Prior != [3]float64{0.5, 0.5, 0.5} {
			continue
		}
		names := []string{"α (step overhead)", "β (per token)", "γ (per KV token read)"}
		for k := range 3 {
			s := plot.Series{Color: plot.Palette(k), Dashed: r.Prior[0] < 1}
			if r.Prior[0] > 1 {
				s.Name = names[k]
			}
			s.X, s.Y = []float64{0}, []float64{r.Prior[k]}
			for i, st := range r.States {
				s.X = append(s.X, r.Times[i].Minutes())
				s.Y = append(s.Y, [3]float64{st.Params.Alpha / truth.Model.Alpha, st.Params.Beta / truth.Model.Beta, st.Params.Gamma / truth.Model.Gamma}[k])
			}
			params.Series = append(params.Series, s)
		}
	}
	fit := plot.Chart{Title: "Mean latency per window: observed (solid), predicted before the update (dashed)", XLabel: "minutes of traffic",
		YLabel: "milliseconds", Width: 720, Height: 320, LogY: true}
	if len(runs) > 0 {
		r := runs[0]
		var x, ot, pt, oi, pi []float64
		for i, s := range r.Steps {
			if s.PredictedTTFT == 0 {
				continue
			}
			x = append(x, r.Times[i].Minutes())
			ot, pt = append(ot, 1e3*s.ObservedTTFT), append(pt, 1e3*s.PredictedTTFT)
			oi, pi = append(oi, 1e3*s.ObservedITL), append(pi, 1e3*s.PredictedITL)
		}
		fit.Series = []plot.Series{
			{Name: "TTFT", Color: plot.Palette(0), X: x, Y: ot}, {Color: plot.Palette(0), X: x, Y: pt, Dashed: true},
			{Name: "ITL", Color: plot.Palette(1), X: x, Y: oi}, {Color: plot.Palette(1), X: x, Y: pi, Dashed: true},
		}
	}
	return map[string]plot.Chart{"perfmodel-learning-parameters": params, "perfmodel-learning-fit": fit}
}

// Table renders the validity grid as a Markdown table.
func Table(points []Point) string {
	var b strings.Builder
	b.WriteString("| variant | mix | load | rate/s | p95 TTFT sim | model | error | p95 ITL sim | model | error |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, p := range points {
		et, ei := p.Errors()
		fmt.Fprintf(&b, "| %s | %s | %.0f%% | %.2f | %.0f ms | %.0f ms | %+.0f%% | %.1f ms | %.1f ms | %+.0f%% |\n",
			shortName(p.Variant), p.Mix, 100*p.Load, p.Rate, 1e3*p.Sim.TTFTP95, 1e3*p.TTFTP95, 100*et, 1e3*p.Sim.ITLP95, 1e3*p.ITLP95, 100*ei)
	}
	return b.String()
}

// shortName turns "llama-3.1-8b-h100-80gb" into "h100-80gb".
func shortName(profile string) string {
	if i := strings.Index(profile, "-8b-"); i >= 0 {
		return profile[i+4:]
	}
	return profile
}

// distinct returns the values of key in order of first appearance.
func distinct(points []Point, key func(Point) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range points {
		if k := key(p); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
