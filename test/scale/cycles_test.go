package scale

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// promCount evaluates a PromQL expression with a single scalar-like answer as an integer.
func promCount(ctx context.Context, base, expr string) (int, error) {
	v, err := promValue(ctx, base, expr)
	return int(v), err
}

// promValue evaluates a PromQL expression whose answer is one sample.
func promValue(ctx context.Context, base, expr string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/query?query="+url.QueryEscape(expr), nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("decode %s: %w", expr, err)
	}
	if len(body.Data.Result) != 1 {
		return 0, fmt.Errorf("%s: %d samples, want 1", expr, len(body.Data.Result))
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}

// cycle is what one decision cycle cost, seen from outside the manager: from the first
// Prometheus query of the cycle to the first of the next.
type cycle struct {
	start, end time.Time
	// promQueries counts the PromQL queries; promSpan is from the first query sent to the
	// last answered; promBytes is what Prometheus sent.
	promQueries int
	promSpan    time.Duration
	promBytes   int64
	// api counts the API requests started in the cycle by "verb resource" (watches
	// included); apiBytes is what the API server sent, watch events included.
	api      map[string]int
	apiBytes int64
}

// cycles splits the run into decision cycles. A cycle starts with a burst of PromQL
// queries (the collector asks for every model at once); a query more than gap after the
// first of the current burst starts the next cycle. The last cycle is open (ends at end).
func cycles(prom, api []harness.Request, apiBytes func(from, to time.Time) int64, promBytesOf func(from, to time.Time) int64, gap time.Duration, end time.Time) []cycle {
	var out []cycle
	for _, r := range prom {
		if !strings.HasPrefix(r.Path, "/api/v1/query") {
			continue
		}
		if len(out) == 0 || r.Start.Sub(out[len(out)-1].start) > gap {
			out = append(out, cycle{start: r.Start, api: map[string]int{}})
		}
		c := &out[len(out)-1]
		c.promQueries++
		if d := r.Start.Add(r.Duration).Sub(c.start); d > c.promSpan {
			c.promSpan = d
		}
	}
	for i := range out {
		out[i].end = end
		if i+1 < len(out) {
			out[i].end = out[i+1].start
		}
		out[i].promBytes = promBytesOf(out[i].start, out[i].end)
		out[i].apiBytes = apiBytes(out[i].start, out[i].end)
	}
	for _, r := range api {
		for i := range out {
			if !r.Start.Before(out[i].start) && r.Start.Before(out[i].end) {
				verb, res := harness.APIVerb(r)
				out[i].api[verb+" "+res]++
			}
		}
	}
	return out
}

// requestsText renders a cycle's API requests, sorted, or "none".
func requestsText(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

// summary is one "Decision cycle done" line of the manager's log.
type summary struct {
	At              time.Time
	Duration        time.Duration
	SignalsDuration time.Duration
	Fields          map[string]any
}

// summaries reads the manager's cycle summary lines (JSON log).
func summaries(log string) []summary {
	var out []summary
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) != nil || m["msg"] != "Decision cycle done" {
			continue
		}
		s := summary{Fields: m}
		if ts, ok := m["ts"].(string); ok {
			s.At, _ = time.Parse(time.RFC3339Nano, ts)
		}
		if d, ok := m["duration"].(string); ok {
			s.Duration, _ = time.ParseDuration(d)
		}
		if d, ok := m["signalsDuration"].(string); ok {
			s.SignalsDuration, _ = time.ParseDuration(d)
		}
		out = append(out, s)
	}
	return out
}
