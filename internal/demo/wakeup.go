package demo

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// WakeUp is one wake-up of the model from zero, as the demo saw it; times are seconds
// since the load started, and -1 for a step that has not happened (yet).
type WakeUp struct {
	// Asleep is the first sample with every variant at zero replicas.
	Asleep float64 `json:"asleep"`
	// Arrival is when the first request after that was sent: it waits at the gateway.
	Arrival float64 `json:"arrival"`
	// Decision is the time of WVA's 0 -> 1 event, and Variant the variant it woke.
	Decision float64 `json:"decision"`
	Variant  string  `json:"variant"`
	// Ready is the first sample after the arrival with a Ready replica (sampled, so up to
	// one sampling interval late, and never later than the first token).
	Ready float64 `json:"ready"`
	// FirstToken is when the first answer after the arrival streamed its first token.
	FirstToken float64 `json:"firstToken"`
}

// Done reports whether the wake-up got as far as a first token.
func (w WakeUp) Done() bool { return w.FirstToken >= 0 }

// wakeDecision marks WVA's event for a wake-up ("Desired replicas 0 -> 1: scale-from-zero").
const wakeDecision = "0 -> 1: scale-from-zero"

// findWakeUps reads the wake-ups from a run's samples, WVA's decisions, the requests sent
// and the first-token times of the answers (seconds since the start, any order).
func findWakeUps(samples []Sample, decs []Decision, requests []loadgen.Request, firstTokens []float64) []WakeUp {
	if len(samples) == 0 {
		return nil
	}
	// Only requests already sent count: the schedule also holds the ones still to come.
	sent := requestTimes(requests)
	sent = slices.DeleteFunc(sent, func(at float64) bool { return at > samples[len(samples)-1].T })
	var out []WakeUp
	var cur *WakeUp
	for _, s := range samples {
		if cur == nil {
			if asleep(s) {
				out = append(out, WakeUp{Asleep: s.T, Arrival: -1, Decision: -1, Ready: -1, FirstToken: -1})
				cur = &out[len(out)-1]
			}
			continue
		}
		if cur.Arrival < 0 {
			cur.Arrival = firstAfter(sent, cur.Asleep)
		}
		if cur.Arrival >= 0 && cur.Ready < 0 && s.T >= cur.Arrival && readyReplicas(s) > 0 {
			cur.Ready = s.T
		}
		if cur.Ready >= 0 {
			cur = nil // awake again; the next time every variant is at zero starts another
		}
	}
	for i := range out {
		w := &out[i]
		if w.Arrival < 0 {
			w.Arrival = firstAfter(sent, w.Asleep)
		}
		if w.Arrival < 0 {
			continue
		}
		for _, d := range decs {
			if d.T >= w.Arrival-1 && strings.Contains(d.Message, wakeDecision) {
				w.Decision, w.Variant = d.T, d.Variant
				break
			}
		}
		w.FirstToken = firstAfter(firstTokens, w.Arrival)
		if w.FirstToken >= 0 && (w.Ready < 0 || w.Ready > w.FirstToken) {
			w.Ready = w.FirstToken // a replica was Ready by then; the sample came later
		}
	}
	return out
}

func asleep(s Sample) bool {
	if len(s.Variants) == 0 {
		return false
	}
	for _, v := range s.Variants {
		if v.Current > 0 || v.Ready > 0 {
			return false
		}
	}
	return true
}

func readyReplicas(s Sample) int {
	n := 0
	for _, v := range s.Variants {
		n += v.Ready
	}
	return n
}

func requestTimes(rs []loadgen.Request) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.At.Seconds()
	}
	return out
}

// firstAfter is the smallest time at or after t, -1 when none.
func firstAfter(times []float64, t float64) float64 {
	best := math.Inf(1)
	for _, x := range times {
		if x >= t && x < best {
			best = x
		}
	}
	if math.IsInf(best, 1) {
		return -1
	}
	return best
}

// since phrases a step of a wake-up after its arrival.
func since(step, arrival float64) string {
	if step < 0 || arrival < 0 {
		return "…"
	}
	return fmt.Sprintf("+%.1fs", step-arrival)
}

// line is the wake-up in one line, for the live view.
func (w WakeUp) line() string {
	if w.Arrival < 0 {
		return fmt.Sprintf("asleep since t=%.0fs: every variant at zero; the next request wakes the model", w.Asleep)
	}
	variant := w.Variant
	if variant == "" {
		variant = "?"
	}
	return fmt.Sprintf("request at t=%.1fs → WVA wakes %s %s → Ready %s → first token %s",
		w.Arrival, variant, since(w.Decision, w.Arrival), since(w.Ready, w.Arrival), since(w.FirstToken, w.Arrival))
}

// wakeUpsHTML is the report's table of wake-ups.
func wakeUpsHTML(ws []WakeUp) string {
	var b strings.Builder
	b.WriteString("<h2>Wake-ups from zero</h2>\n<p class=\"note\">Each time every variant was at zero: when the next request arrived (it waits at the gateway), " +
		"WVA's 0 → 1 decision (its DesiredReplicasChanged event), the first Ready replica (sampled) and the first token the client received, " +
		"in seconds after the arrival. The replica's model loading is the sample Deployment's start-up delay.</p>\n")
	if len(ws) == 0 {
		b.WriteString("<p>The model did not go to zero in this run.</p>\n")
		return b.String()
	}
	b.WriteString("<table><tr><th>asleep from t (s)</th><th>request at t (s)</th><th>variant woken</th><th>WVA decision</th><th>Ready</th><th>first token</th></tr>\n")
	for _, w := range ws {
		arrival := "none yet"
		if w.Arrival >= 0 {
			arrival = fmt.Sprintf("%.1f", w.Arrival)
		}
		fmt.Fprintf(&b, "<tr><td>%.0f</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", w.Asleep, arrival,
			html.EscapeString(w.Variant), since(w.Decision, w.Arrival), since(w.Ready, w.Arrival), since(w.FirstToken, w.Arrival))
	}
	b.WriteString("</table>\n")
	return b.String()
}
