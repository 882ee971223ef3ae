package demo

import (
	"fmt"
	"io"
	"strings"
)

// view shows the run as it goes: a screen redrawn in place on a terminal, or one plain
// line per update for CI logs and pipes.
type view struct {
	out        io.Writer
	plain      bool
	model      Model
	scenario   Scenario
	kubeconfig string
	lastPlain  float64
	lastDec    int
	lastWake   string
}

// plainEvery is how often plain mode prints a line when no decision happened.
const plainEvery = 10.0

func fmtLatency(v *float64) string {
	if v == nil {
		return "   -  "
	}
	if *v < 1 {
		return fmt.Sprintf("%4.0fms", *v*1000)
	}
	return fmt.Sprintf("%5.2fs", *v)
}

func fmtDesired(n int) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// update shows one sample, the decisions and the wake-ups from zero so far.
func (v *view) update(s Sample, decs []Decision, wakes []WakeUp) {
	if v.plain {
		v.plainLine(s, decs)
		v.plainWake(wakes)
		return
	}
	var b strings.Builder
	b.WriteString("\033[H\033[2J")
	fmt.Fprintf(&b, "WVA demo · %s · t=%3.0fs of %.0fs · phase %-8s · offered %5.1f req/s · answered %5.1f req/s\n\n",
		v.scenario.Name, s.T, v.scenario.Duration.Seconds(), s.Phase, s.OfferedRPS, s.CompletedRPS)
	fmt.Fprintf(&b, "  %-16s %7s %7s %5s %6s %7s %7s %8s\n", "variant", "current", "desired", "ready", "KV", "queue", "running", "cost/h")
	for i, vs := range s.Variants {
		fmt.Fprintf(&b, "  %-16s %7d %7s %5d %5.0f%% %7.0f %7.0f %8.1f\n", vs.Name, vs.Current, fmtDesired(vs.Desired), vs.Ready,
			100*vs.KVUsage, vs.Waiting, vs.Running, float64(vs.Current)*v.model.Variants[i].Cost)
	}
	if h := hybridLine(s); h != "" {
		fmt.Fprintf(&b, "\n  HYBRID: %s\n", h)
	}
	fmt.Fprintf(&b, "\n  latency (last %s): TTFT p50 %s  p95 %s   ITL p95 %s   failed %d   cost so far %.2f\n",
		latencyWindow, fmtLatency(s.TTFTP50), fmtLatency(s.TTFTP95), fmtLatency(s.ITLP95), s.Failed, s.Cost)
	b.WriteString("\n  recent decisions (event DesiredReplicasChanged):\n")
	from := max(0, len(decs)-4)
	if len(decs) == 0 {
		b.WriteString("    none yet\n")
	}
	for _, d := range decs[from:] {
		change, what, why := splitDecision(d.Message)
		fmt.Fprintf(&b, "    t=%3.0fs %-14s %-7s %s\n", d.T, d.Variant, change, truncate(what, 90))
		if why != "" {
			fmt.Fprintf(&b, "    %29s %s\n", "", truncate(why, 100))
		}
	}
	if len(wakes) > 0 {
		b.WriteString("\n  wake-up from zero (the gateway holds the request):\n")
		for _, w := range wakes[max(0, len(wakes)-2):] {
			fmt.Fprintf(&b, "    %s\n", w.line())
		}
	}
	fmt.Fprintf(&b, "\n  kubectl: export KUBECONFIG=%s; kubectl get va,deploy,pods\n  Ctrl-C stops the demo and writes the report.\n", v.kubeconfig)
	_, _ = io.WriteString(v.out, b.String())
}

// plainLine prints a line every plainEvery seconds and one per new decision.
func (v *view) plainLine(s Sample, decs []Decision) {
	for _, d := range decs[min(v.lastDec, len(decs)):] {
		_, _ = fmt.Fprintf(v.out, "t=%.0fs decision %s: %s\n", d.T, d.Variant, d.Message)
	}
	v.lastDec = len(decs)
	if s.T-v.lastPlain < plainEvery && v.lastPlain > 0 {
		return
	}
	v.lastPlain = s.T
	var parts []string
	for _, vs := range s.Variants {
		parts = append(parts, fmt.Sprintf("%s cur=%d des=%s rdy=%d kv=%.0f%% q=%.0f", vs.Name, vs.Current, fmtDesired(vs.Desired), vs.Ready, 100*vs.KVUsage, vs.Waiting))
	}
	_, _ = fmt.Fprintf(v.out, "t=%.0fs phase=%s offered=%.1frps answered=%.1frps %s ttft_p95=%s itl_p95=%s cost=%.2f\n",
		s.T, s.Phase, s.OfferedRPS, s.CompletedRPS, strings.Join(parts, " | "), strings.TrimSpace(fmtLatency(s.TTFTP95)), strings.TrimSpace(fmtLatency(s.ITLP95)), s.Cost)
	if h := hybridLine(s); h != "" {
		_, _ = fmt.Fprintf(v.out, "t=%.0fs hybrid: %s\n", s.T, h)
	}
}

// hybridLine is HYBRID mode's view of a sample: each variant's capacity and model
// answers and the forecast; empty when WVA published none.
func hybridLine(s Sample) string {
	if s.Hybrid == nil {
		return ""
	}
	var parts []string
	for _, vs := range s.Variants {
		if vs.CapacityAnswer != nil && vs.ModelAnswer != nil {
			parts = append(parts, fmt.Sprintf("%s capacity=%.0f model=%.0f", vs.Name, *vs.CapacityAnswer, *vs.ModelAnswer))
		}
	}
	h := s.Hybrid
	parts = append(parts, fmt.Sprintf("observed=%.1frps forecast=%.1frps planned=%.1frps in %.0fs", h.ObservedRPS, h.ForecastRPS, h.PlannedRPS, h.HorizonSec))
	return strings.Join(parts, " | ")
}

// plainWake prints the latest wake-up whenever it moves on.
func (v *view) plainWake(wakes []WakeUp) {
	if len(wakes) == 0 {
		return
	}
	if line := wakes[len(wakes)-1].line(); line != v.lastWake {
		v.lastWake = line
		_, _ = fmt.Fprintf(v.out, "wake-up from zero: %s\n", line)
	}
}

// splitDecision splits WVA's event text "Desired replicas 1 -> 2: scale-up: <why>;
// <what>" into the change, what was done and why, so the live view can show each on
// its own line without cutting off the part that matters.
func splitDecision(msg string) (change, what, why string) {
	msg = strings.TrimPrefix(msg, "Desired replicas ")
	change, reason, ok := strings.Cut(msg, ": ")
	if !ok {
		return "", msg, ""
	}
	if i := strings.LastIndex(reason, "; "); i >= 0 {
		return change, reason[i+2:], reason[:i]
	}
	return change, reason, ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
