package simulator

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// TestScaleRateSpreadsCopies: ×k keeps about k times the requests, sorted, each copy
// within the gap after its original, and no two copies of one request at one instant.
func TestScaleRateSpreadsCopies(t *testing.T) {
	var reqs []loadgen.Request
	for i := range 1000 {
		reqs = append(reqs, loadgen.Request{At: time.Duration(i) * time.Second, PromptTokens: i + 1, OutputTokens: 1})
	}
	out := scaleRate(reqs, 2.5, 1)
	if n := len(out); n < 2400 || n > 2600 {
		t.Fatalf("×2.5 of 1000 requests gave %d", n)
	}
	if !slices.IsSortedFunc(out, func(a, b loadgen.Request) int { return int(a.At - b.At) }) {
		t.Fatal("scaled schedule not sorted")
	}
	seen := map[[2]int64]bool{}
	for _, r := range out {
		orig := time.Duration(r.PromptTokens-1) * time.Second
		if r.At < orig || r.At >= orig+time.Second {
			t.Fatalf("copy of request at %v placed at %v, outside its gap", orig, r.At)
		}
		key := [2]int64{int64(r.PromptTokens), int64(r.At)}
		if seen[key] {
			t.Fatalf("two copies of request %d at %v", r.PromptTokens, r.At)
		}
		seen[key] = true
	}
	if !slices.Equal(scaleRate(reqs, 1, 1), reqs) {
		t.Error("×1 changed the schedule")
	}
}

// TestDetectSteps finds a rise of the per-window rate above the trailing baseline.
func TestDetectSteps(t *testing.T) {
	var reqs []loadgen.Request
	for s := range 1200 { // 1/s for 10 min, then 2/s for 10 min
		reqs = append(reqs, loadgen.Request{At: time.Duration(s) * time.Second})
		if s >= 600 {
			reqs = append(reqs, loadgen.Request{At: time.Duration(s)*time.Second + 500*time.Millisecond})
		}
	}
	d := StepDetection{Window: Duration(time.Minute), Baseline: Duration(5 * time.Minute), Rise: 0.15}
	if got := detectSteps(reqs, 20*time.Minute, d); !slices.Equal(got, []time.Duration{10 * time.Minute}) {
		t.Errorf("steps %v, want [10m0s]", got)
	}
}

// TestParseConfig covers defaults and the errors a user meets first.
func TestParseConfig(t *testing.T) {
	ok := `
load: {pattern: {kind: constant, rate: 1, duration: 1m, promptTokens: 10, outputTokens: 10}}
models:
- name: m
  slo: {ttft: 1s, itl: 50ms}
  variants: [{name: v, profile: llama-3.1-8b-h100-80gb, cost: 1, startupDelay: 30s}]
policies: [{type: wva}, {name: hpa, type: hpa, target: 10, scaleDownStabilization: 2m}]
`
	c, err := ParseConfig([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if c.DecisionInterval.D() != 30*time.Second || c.ScrapeInterval.D() != 15*time.Second || c.MetricsWindow.D() != time.Minute ||
		c.Policies[0].Name != "wva" || c.Models[0].AttainmentTarget != 0.95 || c.Models[0].Variants[0].GPUsPerReplica != 1 ||
		!strings.Contains(string(c.Policies[1].Spec), `"scaleDownStabilization":"2m"`) {
		t.Errorf("defaults not applied: %+v", c)
	}
	for name, bad := range map[string]string{
		"unknown key":      ok + "bogus: 1\n",
		"bad duration":     strings1(ok, "startupDelay: 30s", "startupDelay: soon"),
		"no policy type":   strings1(ok, "type: wva", "name: x"),
		"no slo":           strings1(ok, "slo: {ttft: 1s, itl: 50ms}", "slo: {ttft: 1s}"),
		"duplicate policy": strings1(ok, "name: hpa", "name: wva"),
		"no lengths":       strings1(ok, "promptTokens: 10, ", ""),
		"bad distribution": strings1(ok, "promptTokens: 10", "prompt: {mean: 2000, sigma: -1}"),
		"duplicate class":  strings1(ok, "slo: {ttft: 1s, itl: 50ms}", "slo: {ttft: 1s, itl: 50ms}\n  classes: [{name: a, weight: 1, slo: {ttft: 1s, itl: 1s}}, {name: a, weight: 1, slo: {ttft: 1s, itl: 1s}}]"),
	} {
		if _, err := ParseConfig([]byte(bad)); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: error %v, want ErrConfig", name, err)
		}
	}
}

// strings1 replaces the first occurrence of old, failing loudly if absent.
func strings1(s, old, repl string) string {
	if !strings.Contains(s, old) {
		panic("test fixture: " + old + " not found")
	}
	return strings.Replace(s, old, repl, 1)
}
