package collector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBearerTokenIsNormalisedAndFileReRead(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "Bearer abc": "abc", "bearer  abc\n": "abc", " abc ": "abc", "Bearerabc": "Bearerabc"} {
		if got := normaliseToken(in); got != want {
			t.Errorf("normaliseToken(%q) = %q, want %q", in, got, want)
		}
	}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("Bearer one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := newTokenSource("ignored", file)
	if got, err := src.token(); err != nil || got != "one" {
		t.Fatalf("token %q, %v", got, err)
	}
	if err := os.WriteFile(file, []byte("two-longer"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := src.token(); err != nil || got != "two-longer" {
		t.Fatalf("token after rotation %q, %v", got, err)
	}
	if err := os.WriteFile(file, []byte("secret-value-xyz"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if _, err := src.token(); err == nil || strings.Contains(err.Error(), "secret-value") {
		t.Fatalf("missing file: err %v", err)
	}
}

func TestQueriesAreRetriedOnlyWhenAnotherAttemptCanHelp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		attempts int64
	}{
		{"server error is retried", http.StatusServiceUnavailable, "down", 3},
		{"a rejected query is not", http.StatusBadRequest, `{"status":"error","errorType":"bad_data","error":"parse error"}`, 1},
		{"a refused token is not", http.StatusUnauthorized, "unauthorized", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			src, err := NewPrometheusSource(PrometheusOptions{BaseURL: srv.URL, Retries: 2, Timeout: time.Second}, Windows{})
			if err != nil {
				t.Fatal(err)
			}
			models := []Model{{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{{Name: "p"}}}}}}
			ctx := context.Background()
			// One query per cycle: count attempts of a single query.
			_, err = src.query(ctx, "vector(1)", time.Now())
			if err == nil || hits.Load() != tc.attempts {
				t.Fatalf("err %v after %d attempts, want an error after %d", err, hits.Load(), tc.attempts)
			}
			got, err := src.Collect(ctx, models, time.Now())
			if err == nil || got[0].Health.Reason != ReasonPrometheusError || got[0].Health.Usable {
				t.Fatalf("err %v health %+v", err, got[0].Health)
			}
		})
	}
}

func TestWindowIncreaseAndAverages(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := &replicaWindow{}
	add := func(sec int, success, promptSum, promptCnt float64) {
		w.add(scrape{t: t0.Add(time.Duration(sec) * time.Second), has: saturation, success: success, hasSuccess: true,
			promptSum: promptSum, promptCnt: promptCnt, hasPrompt: true})
	}
	add(0, 10, 1000, 10)
	add(30, 15, 1500, 15)
	add(60, 3, 300, 3) // server restarted: counters dropped
	add(90, 5, 500, 5)
	o := w.observe(t0.Add(90*time.Second), Windows{Peak: time.Minute, Rate: 5 * time.Minute, StaleAfter: time.Minute}, []time.Duration{2 * time.Minute}, nil)
	// increase: +5, then restart (+3), then +2
	if got := o.success[2*time.Minute]; got != 10 {
		t.Errorf("increase %v, want 10", got)
	}
	if o.avgInput != 100 {
		t.Errorf("avg input %v, want 100", o.avgInput)
	}
	// No request in the rate window: the lifetime average of the newest scrape.
	w2 := &replicaWindow{}
	w2.add(scrape{t: t0, has: saturation, promptSum: 900, promptCnt: 3, hasPrompt: true})
	o2 := w2.observe(t0, Windows{Peak: time.Minute, Rate: 5 * time.Minute}, nil, nil)
	if o2.avgInput != 300 || !o2.has.holds(signalAvgInput) {
		t.Errorf("lifetime avg %v", o2.avgInput)
	}
	// A single scrape gives no increase: unknown, not zero.
	if _, ok := o2.success[time.Minute]; ok {
		t.Error("success count known from one scrape")
	}
}

func TestJudgeNeverTurnsMissingDataIntoZeroLoad(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := Windows{}.withDefaults()
	fresh := &observation{has: saturation, newest: now.Add(-time.Second)}
	noKV := &observation{has: saturation &^ (1 << signalKV), newest: now}
	old := &observation{has: saturation, newest: now.Add(-2 * time.Minute)}
	marked := &observation{has: saturation} // Prometheus marked the series stale
	nan := &observation{has: saturation, newest: now, problem: "vllm:kv_cache_usage_perc is NaN"}
	full := &observation{has: saturation, newest: now, kv: 1}
	overFull := &observation{has: saturation, newest: now}
	overFull.set(signalKV, 1.01) // a KV usage fraction cannot exceed 1
	for name, tc := range map[string]struct {
		o    *observation
		want replicaState
	}{
		"fresh": {fresh, replicaFresh}, "no kv": {noKV, replicaIncomplete}, "old": {old, replicaStale},
		"stale marker": {marked, replicaStale}, "nan": {nan, replicaInvalid}, "nothing": {nil, replicaMissing},
		"kv at 1": {full, replicaFresh}, "kv above 1": {overFull, replicaInvalid},
	} {
		if got := judge(tc.o, now, w.StaleAfter); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func TestHeldWindowNeverClaimsMoreThanTheSourceHolds(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const window = 10 * time.Minute
	key := modelWindow{"ns", "m", window}
	cases := []struct {
		name  string
		since map[modelWindow]time.Time
		asked bool
		want  time.Duration
	}{
		{"source cannot tell: the window asked for", nil, false, window},
		{"asked, and nothing reaches back into the window", nil, true, 0},
		{"held since before the window", map[modelWindow]time.Time{key: now.Add(-11 * time.Minute)}, true, window},
		{"restarted 5s ago", map[modelWindow]time.Time{key: now.Add(-5500 * time.Millisecond)}, true, 5 * time.Second},
		{"sample stamped after now", map[modelWindow]time.Time{key: now.Add(time.Second)}, true, 0},
	}
	for _, c := range cases {
		obs := newObservations()
		for k, v := range c.since {
			obs.successSince[k] = v
		}
		obs.sinceAsked[window] = c.asked
		if got := heldWindow(window, obs, key, now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestFirstErrorReportsTheFailureThatSaysWhy(t *testing.T) {
	closed := errors.New("prometheus query: http2: client connection force closed via ClientConn.Close")
	refused := fmt.Errorf("prometheus refused the TLS handshake (mutual TLS: check PROMETHEUS_CLIENT_CERT_PATH): %w", tls.AlertError(116))
	err := firstError([]error{nil, closed, refused, closed})
	if err == nil || !errors.Is(err, refused) || !strings.Contains(err.Error(), "3 of 4 queries failed") {
		t.Fatalf("got %v, want the TLS refusal reported", err)
	}
	if err := firstError([]error{nil, closed}); !errors.Is(err, closed) {
		t.Fatalf("got %v, want the only failure", err)
	}
	if firstError([]error{nil, nil}) != nil {
		t.Fatal("no failure must give no error")
	}
}

// The KV-cache capacities of a Pod's data-parallel engines add up, also when their
// block sizes differ (the capacity in tokens is kept).
func TestEngineCacheCapacitiesAddUp(t *testing.T) {
	var same, mixed observation
	same.addCache(27000, 16)
	same.addCache(27000, 16)
	if same.blocks != 54000 || same.blockSize != 16 {
		t.Errorf("equal block sizes: %d blocks of %d, want 54000 of 16", same.blocks, same.blockSize)
	}
	mixed.addCache(100, 16)
	mixed.addCache(50, 32)
	mixed.addCache(0, 16) // an engine without a size adds nothing
	if got := mixed.blocks * mixed.blockSize; got != 3200 || !mixed.has.holds(signalCache) {
		t.Errorf("mixed block sizes: %d tokens, want 3200", got)
	}
}
