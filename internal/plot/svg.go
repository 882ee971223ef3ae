package plot

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart is a line (or scatter) chart rendered to inline SVG, so a report needs no
// script and works offline.
type Chart struct {
	// Title is drawn above the plot; XLabel and YLabel name the axes.
	Title, XLabel, YLabel string
	// Width and Height are the SVG's size in pixels.
	Width, Height int
	// LogY draws the y axis in powers of ten (values <= 0 are left out); LogX the x
	// axis likewise, with ticks at 1, 2 and 5 per decade (for costs spanning a wide range).
	LogY bool
	LogX bool
	// YMax, when positive, fixes the top of the y axis (to compare small multiples).
	YMax float64
	// Series are the lines (or point sets); HLines the reference lines.
	Series []Series
	HLines []HLine
	// Scatter draws markers with labels instead of lines.
	Scatter bool
}

// Series is one line of a chart; NaN values leave gaps (no data, not zero).
type Series struct {
	// Name is the legend entry; an unnamed series has none.
	Name string
	// Color is any SVG colour, e.g. Palette(i).
	Color string
	// X and Y are the points, of equal length.
	X, Y []float64
	// Step draws a staircase (a value holds until the next), for counts like replicas.
	Step bool
	// Dashed draws the line dashed, to pair two series of one colour.
	Dashed bool
	// Labels are the scatter points' labels.
	Labels []string
	// Marker shapes a scatter series' points (default MarkerDot).
	Marker Marker
}

// Marker is the shape of a scatter series' points, so one chart can tell several kinds
// of point apart by shape while colour tells the series.
type Marker string

// Markers a scatter series may use.
const (
	// MarkerDot is a filled circle.
	MarkerDot Marker = ""
	// MarkerRing is an open circle.
	MarkerRing Marker = "ring"
	// MarkerSmall is a small, faint filled circle, for many background points.
	MarkerSmall Marker = "small"
	// MarkerDiamond is a filled diamond; MarkerOpenDiamond an open one.
	MarkerDiamond     Marker = "diamond"
	MarkerOpenDiamond Marker = "open-diamond"
)

// HLine is a horizontal reference line such as an SLO target, drawn dashed with its
// label so a reader sees at once where a series crosses it.
type HLine struct {
	// Y is the value, Label its text, Color its colour.
	Y     float64
	Label string
	Color string
}

// plot margins in pixels; the top margin grows with the legend rows above the plot.
const (
	padLeft, padRight, padTitle, padBottom = 64, 16, 28, 44
	legendRow                              = 16
)

// Palette returns the i-th colour of a colour-blind friendly palette (Okabe-Ito first).
func Palette(i int) string {
	p := []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#7f7f7f", "#8c564b"}
	return p[i%len(p)]
}

// Render returns the chart as one inline SVG element, so a report needs no script, no
// network and no image files.
func (c Chart) Render() string {
	xmin, xmax, ymin, ymax := c.bounds()
	legend := c.legendLayout()
	padTop := padTitle
	if len(legend) > 0 {
		padTop += legend[len(legend)-1].row*legendRow + legendRow
	}
	pw, ph := float64(c.Width-padLeft-padRight), float64(c.Height-padTop-padBottom)
	sx := func(x float64) float64 { return padLeft + (x-xmin)/(xmax-xmin)*pw }
	if c.LogX {
		lo, hi := math.Log10(xmin), math.Log10(xmax)
		sx = func(x float64) float64 { return padLeft + (math.Log10(math.Max(x, xmin))-lo)/(hi-lo)*pw }
	}
	sy := func(y float64) float64 {
		if c.LogY {
			y = math.Log10(math.Max(y, ymin))
			return float64(padTop) + ph - (y-math.Log10(ymin))/(math.Log10(ymax)-math.Log10(ymin))*ph
		}
		return float64(padTop) + ph - (y-ymin)/(ymax-ymin)*ph
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		c.Width, c.Height, c.Width, c.Height, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/><text x="%d" y="18" font-size="14" font-weight="600">%s</text>`, padLeft, html.EscapeString(c.Title))
	c.axes(&b, padTop, sx, sy, xmin, xmax, ymin, ymax)
	for _, h := range c.HLines {
		y := sy(h.Y)
		fmt.Fprintf(&b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/>`, padLeft, padLeft+pw, y, y, h.Color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="%s">%s</text>`, padLeft+pw-4, y-4, h.Color, html.EscapeString(h.Label))
	}
	for _, s := range c.Series {
		if c.Scatter {
			c.points(&b, s, sx, sy)
		} else {
			c.line(&b, s, sx, sy)
		}
	}
	c.legend(&b, legend)
	b.WriteString(`</svg>`)
	return b.String()
}

// bounds returns the data range, padded, with a zero floor for linear axes.
func (c Chart) bounds() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for i, x := range s.X {
			y := s.Y[i]
			if c.skip(x, y) {
				continue
			}
			xmin, xmax, ymin, ymax = math.Min(xmin, x), math.Max(xmax, x), math.Min(ymin, y), math.Max(ymax, y)
		}
	}
	for _, h := range c.HLines {
		ymin, ymax = math.Min(ymin, h.Y), math.Max(ymax, h.Y)
	}
	if math.IsInf(xmin, 0) {
		xmin, xmax, ymin, ymax = 0, 1, 0, 1
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	if c.LogX { // a margin of a tenth of the span in log terms on both sides
		span := math.Log10(xmax) - math.Log10(xmin)
		xmin, xmax = xmin/math.Pow(10, 0.05*span+0.02), xmax*math.Pow(10, 0.12*span+0.02)
	}
	if c.LogY {
		ymin = math.Pow(10, math.Floor(math.Log10(math.Max(ymin, 1e-4))))
		ymax = math.Pow(10, math.Ceil(math.Log10(math.Max(ymax, ymin*10))))
		return xmin, xmax, ymin, ymax
	}
	if !c.Scatter {
		ymin = math.Min(0, ymin)
	}
	if c.YMax > 0 {
		ymax = c.YMax
	}
	if ymax <= ymin {
		ymax = ymin + 1
	}
	span := ymax - ymin
	if c.Scatter {
		ymin -= 0.05 * span
		if !c.LogX {
			xspan := xmax - xmin
			xmin, xmax = xmin-0.05*xspan, xmax+0.12*xspan
		}
	}
	return xmin, xmax + 0, ymin, ymax + 0.05*span
}

// axes draws the frame, grid, ticks and labels.
func (c Chart) axes(b *strings.Builder, padTop int, sx, sy func(float64) float64, xmin, xmax, ymin, ymax float64) {
	pw, ph := float64(c.Width-padLeft-padRight), float64(c.Height-padTop-padBottom)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#999"/>`, padLeft, padTop, pw, ph)
	for _, t := range c.yTicks(ymin, ymax) {
		y := sy(t)
		fmt.Fprintf(b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e5e5e5"/>`, padLeft, padLeft+pw, y, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>`, padLeft-6, y+4, fmtTick(t))
	}
	xticks := niceTicks(xmin, xmax, 8)
	if c.LogX {
		xticks = logTicks(xmin, xmax)
	}
	for _, t := range xticks {
		x := sx(t)
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="#e5e5e5"/>`, x, x, padTop, float64(padTop)+ph)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>`, x, float64(padTop)+ph+16, fmtTick(t))
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="12" text-anchor="middle">%s</text>`, padLeft+pw/2, c.Height-6, html.EscapeString(c.XLabel))
	fmt.Fprintf(b, `<text transform="translate(14 %.1f) rotate(-90)" font-size="12" text-anchor="middle">%s</text>`, float64(padTop)+ph/2, html.EscapeString(c.YLabel))
}

// yTicks are powers of ten on a log axis, nice round numbers otherwise.
func (c Chart) yTicks(ymin, ymax float64) []float64 {
	if !c.LogY {
		return niceTicks(ymin, ymax, 6)
	}
	var out []float64
	for e := math.Log10(ymin); e <= math.Log10(ymax)+1e-9; e++ {
		out = append(out, math.Pow(10, e))
	}
	return out
}

// line draws one series as a polyline, broken at NaN values.
func (c Chart) line(b *strings.Builder, s Series, sx, sy func(float64) float64) {
	dash := ""
	if s.Dashed {
		dash = ` stroke-dasharray="5 3"`
	}
	var pts []string
	flush := func() {
		if len(pts) > 0 {
			fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.8"%s points="%s"/>`, s.Color, dash, strings.Join(pts, " "))
		}
		pts = pts[:0]
	}
	for i, x := range s.X {
		y := s.Y[i]
		if c.skip(x, y) {
			flush()
			continue
		}
		if s.Step && len(pts) > 0 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(x), sy(s.Y[i-1])))
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(x), sy(y)))
	}
	flush()
}

// skip reports whether a point cannot be drawn: no value, or not positive on a log axis.
func (c Chart) skip(x, y float64) bool {
	return math.IsNaN(x) || math.IsNaN(y) || (c.LogY && y <= 0) || (c.LogX && x <= 0)
}

// logTicks are 1, 2 and 5 times the powers of ten within [lo, hi].
func logTicks(lo, hi float64) []float64 {
	var out []float64
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			if t := m * math.Pow(10, e); t >= lo && t <= hi {
				out = append(out, t)
			}
		}
	}
	return out
}

// points draws a scatter series with labels.
func (c Chart) points(b *strings.Builder, s Series, sx, sy func(float64) float64) {
	for i, x := range s.X {
		if c.skip(x, s.Y[i]) {
			continue
		}
		marker(b, s.Marker, sx(x), sy(s.Y[i]), s.Color)
		if i < len(s.Labels) && s.Labels[i] != "" {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11">%s</text>`, sx(x)+7, sy(s.Y[i])-6, html.EscapeString(s.Labels[i]))
		}
	}
}

// marker draws one scatter point.
func marker(b *strings.Builder, m Marker, x, y float64, color string) {
	switch m {
	case MarkerRing:
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="#fff" stroke="%s" stroke-width="2"/>`, x, y, color)
	case MarkerSmall:
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s" fill-opacity="0.35"/>`, x, y, color)
	case MarkerDiamond, MarkerOpenDiamond:
		fill, stroke := color, ""
		if m == MarkerOpenDiamond {
			fill, stroke = "#fff", fmt.Sprintf(` stroke="%s" stroke-width="2"`, color)
		}
		fmt.Fprintf(b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s"%s/>`, x, y-6, x+6, y, x, y+6, x-6, y, fill, stroke)
	default:
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s"/>`, x, y, color)
	}
}

// legendItem is one legend entry and where it goes.
type legendItem struct {
	series *Series
	x      float64
	row    int
}

// legendLayout places the named series in rows between the title and the plot, so
// the legend never hides data.
func (c Chart) legendLayout() []legendItem {
	var out []legendItem
	x, row := float64(padLeft), 0
	for i := range c.Series {
		s := &c.Series[i]
		if s.Name == "" {
			continue
		}
		w := 28 + 6.5*float64(len(s.Name))
		if x+w > float64(c.Width-padRight) && x > float64(padLeft) {
			x, row = float64(padLeft), row+1
		}
		out = append(out, legendItem{series: s, x: x, row: row})
		x += w + 8
	}
	return out
}

// legend draws the placed legend entries.
func (c Chart) legend(b *strings.Builder, items []legendItem) {
	for _, it := range items {
		y := float64(padTitle + it.row*legendRow + 8)
		dash := ""
		if it.series.Dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		if c.Scatter {
			marker(b, it.series.Marker, it.x+9, y-4, it.series.Color)
		} else {
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5"%s/>`, it.x, it.x+18, y-4, y-4, it.series.Color, dash)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11">%s</text>`, it.x+22, y, html.EscapeString(it.series.Name))
	}
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	if span <= 0 {
		return []float64{lo}
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi+1e-9*span; t += step {
		out = append(out, t)
	}
	return out
}

// fmtTick prints a tick value without noise.
func fmtTick(v float64) string {
	if v != 0 && (math.Abs(v) < 0.001 || math.Abs(v) >= 1e5) {
		return fmt.Sprintf("%.0e", v)
	}
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}
