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

// TestLogXScatter: a log x axis places decades evenly, ticks at 1, 2 and 5, leaves out
// points it cannot place, and draws every marker shape.
func TestLogXScatter(t *testing.T) {
	c := Chart{Title: "cost", Width: 600, Height: 400, Scatter: true, LogX: true, Series: []Series{
		{Name: "a", Color: Palette(0), X: []float64{0, 1, 10, 100}, Y: []float64{0.1, 0.5, 0.9, 1}},
		{Name: "b", Color: Palette(1), Marker: MarkerRing, X: []float64{3}, Y: []float64{0.7}},
		{Color: Palette(1), Marker: MarkerSmall, X: []float64{30}, Y: []float64{0.8}},
		{Name: "c", Color: "#000", Marker: MarkerOpenDiamond, X: []float64{5}, Y: []float64{0.95}},
	}}
	svg := c.Render()
	if n := strings.Count(svg, "<circle"); n != 3+1+1+2 { // a's placeable points, b, the small one, legends of a and b
		t.Errorf("%d circles, want 7 (the point at cost 0 left out)", n)
	}
	if !strings.Contains(svg, "<polygon") || !strings.Contains(svg, `fill="#fff" stroke="#000"`) {
		t.Error("open diamond missing")
	}
	for _, tick := range []string{">1<", ">2<", ">5<", ">10<", ">20<", ">50<", ">100<"} {
		if !strings.Contains(svg, tick) {
			t.Errorf("log axis lacks tick %s", tick)
		}
	}
	if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Error("NaN or Inf in coordinates")
	}
}
