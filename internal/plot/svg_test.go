package plot

import (
	"math"
	"strings"
	"testing"
)

func TestRenderBreaksLinesAtNaNAndDrawsReferenceLines(t *testing.T) {
	c := Chart{Title: "t <1>", XLabel: "x", YLabel: "y", Width: 400, Height: 200,
		Series: []Series{{Name: "a", Color: Palette(0), X: []float64{0, 1, 2, 3, 4}, Y: []float64{1, 2, math.NaN(), 3, 4}}},
		HLines: []HLine{{Y: 2.5, Label: "SLO", Color: "#b00"}}}
	svg := c.Render()
	if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") {
		t.Fatalf("not one SVG element: %.80s", svg)
	}
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2 (a gap at NaN)", n)
	}
	for _, want := range []string{"t &lt;1&gt;", ">SLO<", "stroke-dasharray", ">a<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Contains(svg, "NaN") {
		t.Error("NaN leaked into coordinates")
	}
}

func TestRenderLogScaleAndEmptyChart(t *testing.T) {
	c := Chart{Title: "log", Width: 300, Height: 200, LogY: true,
		Series: []Series{{Color: Palette(1), X: []float64{0, 1, 2}, Y: []float64{0.01, 0, 10}}}}
	if svg := c.Render(); strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Error("log chart with a zero value produced NaN or Inf")
	}
	if svg := (Chart{Title: "empty", Width: 300, Height: 200}).Render(); !strings.Contains(svg, "empty") {
		t.Error("empty chart did not render")
	}
}
