//go:build bench

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWakeTimeline measures the wake-up from zero over several runs on each actuation
// path and prints (and with WVA_WAKE_OUT, writes) the table of docs/scale-to-zero.md:
// arrival → decision → replica asked for → Pod Running → Ready → first token, p50 and
// max. It is a measurement, not a check: it is built only with the bench tag, which
// make bench-wake passes with WVA_WAKE_RUNS; the suite's own scenarios keep the one-run
// form.
func TestWakeTimeline(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("WVA_WAKE_RUNS"))
	if runs <= 0 {
		t.Fatal("set WVA_WAKE_RUNS, or run `make bench-wake`, to measure wake-ups")
	}
	paths := []struct {
		name string
		hpa  bool
		env  func(gateway string) []string
	}{
		{"HPA (queue through Prometheus)", true, func(string) []string { return nil }},
		{"direct (queue scraped from the gateway)", false, func(gw string) []string {
			return []string{"ACTUATION_MODE=direct", "METRICS_SOURCE=pod-scrape", "GATEWAY_METRICS_URL=" + gw + "/metrics"}
		}},
	}
	results := map[string][]timeline{}
	var mu sync.Mutex
	t.Run("paths", func(t *testing.T) {
		for _, p := range paths {
			t.Run(p.name, func(t *testing.T) {
				t.Parallel() // the two paths share the machine, as they would a cluster
				ns := newNamespace(t)
				dumpOnFailure(t, ns)
				zeroModel(t, ns, "10s", p.hpa)
				url, _ := startGatewayWith(t, ns, gatewayOptions(100))
				m := startManager(t, ns, s.prom.URL, p.hpa, p.env(url)...)
				for i := range runs {
					waitAsleep(t, ns, url, m, 3*time.Minute)
					time.Sleep(3 * time.Second) // asleep for a while, as a model at zero is
					tl := wakeOnce(t, ns, url)
					t.Logf("run %d/%d: %s", i+1, runs, tl)
					mu.Lock()
					results[p.name] = append(results[p.name], tl)
					mu.Unlock()
				}
			})
		}
	})
	table := wakeTable(results, runs)
	t.Log("\n" + table)
	if out := os.Getenv("WVA_WAKE_OUT"); out != "" {
		data, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(out+".json", data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out+".md", []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// wakeTable renders p50 and max of every step per path, seconds after the arrival.
func wakeTable(results map[string][]timeline, runs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| path (%d runs each) | | decision | replica asked for | Pod Running | Pod Ready | model loading (Running → Ready) | first token |\n", runs)
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		tls := results[n]
		steps := []func(timeline) time.Duration{
			func(tl timeline) time.Duration { return tl.Decision },
			func(tl timeline) time.Duration { return tl.Scaled },
			func(tl timeline) time.Duration { return tl.Running },
			func(tl timeline) time.Duration { return tl.Ready },
			timeline.Loading,
			func(tl timeline) time.Duration { return tl.FirstToken },
		}
		for _, q := range []struct {
			label string
			pick  func([]time.Duration) time.Duration
		}{{"p50", median}, {"max", slices.Max[[]time.Duration]}} {
			fmt.Fprintf(&b, "| %s | %s |", n, q.label)
			for _, step := range steps {
				var ds []time.Duration
				for _, tl := range tls {
					ds = append(ds, step(tl))
				}
				fmt.Fprintf(&b, " %.2f s |", q.pick(ds).Seconds())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// median is the middle value (the lower of the two middle ones for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
