package simulator

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the comparison as an aligned text table, one row per policy.
func (r *Result) WriteTable(w io.Writer) error {
	rows := [][]string{tableHeader()}
	for i := range r.Policies {
		rows = append(rows, tableRow(&r.Policies[i]))
	}
	return WriteAligned(w, rows)
}

// WriteAligned prints rows as right-aligned columns.
func WriteAligned(w io.Writer, rows [][]string) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		// a tabwriter over a strings.Builder cannot fail; Flush reports any error
		_, _ = io.WriteString(tw, strings.Join(row, "\t")+"\t\n")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// WriteMarkdown prints the comparison as a Markdown table, for docs.
func (r *Result) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	h := tableHeader()
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|")
	for range h {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for i := range r.Policies {
		b.WriteString("| " + strings.Join(tableRow(&r.Policies[i]), " | ") + " |\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown table: %w", err)
	}
	return nil
}

// tableHeader names the table's columns.
func tableHeader() []string {
	return []string{"policy", "SLO attainment", "TTFT p50/p95 s", "ITL p95 ms", "cost", "× oracle",
		"replica-h by variant", "actions (up/down)", "reversals", "reaction s (decide/ready)", "lead s (decide/ready)", "behind load min", "waited no replica", "failed"}
}

// tableRow formats one policy's figures.
func tableRow(p *PolicyResult) []string {
	var hours []string
	for _, h := range p.ReplicaHours {
		hours = append(hours, fmt.Sprintf("%s %.1f", h.Variant, h.Hours))
	}
	ratio := "-"
	if p.CostRatio > 0 {
		ratio = fmt.Sprintf("%.2f", p.CostRatio)
	}
	return []string{
		p.Name,
		fmt.Sprintf("%.2f%%", 100*p.Attainment),
		fmt.Sprintf("%.2f / %.2f", p.TTFT.P50, p.TTFT.P95),
		fmt.Sprintf("%.0f", 1000*p.ITL.P95),
		fmt.Sprintf("%.2f", p.Cost),
		ratio,
		strings.Join(hours, ", "),
		fmt.Sprintf("%d (%d/%d)", p.ScaleActions, p.ScaleUps, p.ScaleDowns),
		fmt.Sprintf("%d", p.Reversals),
		ReactionSummary(p.Reactions),
		LeadSummary(p.Reactions),
		BehindSummary(p),
		fmt.Sprintf("%d", p.WaitedNoReplica),
		fmt.Sprintf("%d", p.Failed),
	}
}

// ReactionSummary is the mean time to the first scale-up decision and to ready capacity
// over the load steps, with the count of steps left unanswered.
func ReactionSummary(rs []Reaction) string {
	if len(rs) == 0 {
		return "no steps"
	}
	var dec, ready float64
	var nd, nr int
	for _, r := range rs {
		if r.FirstScaleUp != nil {
			dec += *r.FirstScaleUp
			nd++
		}
		if r.ReadyCapacity != nil {
			ready += *r.ReadyCapacity
			nr++
		}
	}
	s := meanPair("%.0f", dec, nd, ready, nr)
	if miss := len(rs) - nd; miss > 0 {
		s += fmt.Sprintf(" (%d of %d steps unanswered)", miss, len(rs))
	}
	return s
}

// LeadSummary is, over the load steps after which the load outgrew the capacity serving
// at the step (Reaction.Need), the mean seconds by which the first scale-up decision and
// its first replica serving came before that moment (negative: after it), with the steps
// not outgrown within the horizon and those left unanswered. A policy that holds headroom
// reacts later after a step than one without, and may yet be ahead of its own need. Each
// policy's need is its own (the capacity it held at the step), so the lead says how far
// ahead of what it held a policy acted, not which policy's new capacity served first.
func LeadSummary(rs []Reaction) string {
	if len(rs) == 0 {
		return "no steps"
	}
	var dec, ready float64
	var needed, nd, nr int
	for _, r := range rs {
		if r.Need == nil {
			continue
		}
		needed++
		if r.FirstScaleUp != nil {
			dec += *r.Need - *r.FirstScaleUp
			nd++
		}
		if r.ReadyCapacity != nil {
			ready += *r.Need - *r.ReadyCapacity
			nr++
		}
	}
	s := meanPair("%+.0f", dec, nd, ready, nr)
	var notes []string
	if miss := needed - nd; miss > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d outgrown steps unanswered", miss, needed))
	}
	if never := len(rs) - needed; never > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d steps not outgrown within the horizon", never, len(rs)))
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, "; ") + ")"
	}
	return s
}

// meanPair prints the means of a decision time and a ready time as "a / b", each in
// format; "-" for a mean over nothing, and both when no decision was made.
func meanPair(format string, dec float64, nd int, ready float64, nr int) string {
	if nd == 0 {
		return "- / -"
	}
	s := fmt.Sprintf(format+" / ", noNegativeZero(dec/float64(nd)))
	if nr == 0 {
		return s + "-"
	}
	return s + fmt.Sprintf(format, noNegativeZero(ready/float64(nr)))
}

// noNegativeZero is x, or 0 when x is within half a second of zero, so that it prints
// as 0 rather than -0.
func noNegativeZero(x float64) float64 {
	if math.Abs(x) < 0.5 {
		return 0
	}
	return x
}

// BehindSummary is the minutes the load exceeded the serving capacity, summed over the
// models (see BehindLoad).
func BehindSummary(p *PolicyResult) string { return fmt.Sprintf("%.1f", p.BehindLoadSeconds/60) }
