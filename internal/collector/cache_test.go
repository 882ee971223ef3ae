package collector

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// Cycles in quick succession reuse Prometheus's answers within the cache TTL, on the
// cycles' clock, and ask again once it has passed or when the cache is turned off at
// runtime (PROMETHEUS_CACHE_ENABLED, PROMETHEUS_CACHE_TTL are mutable).
func TestPrometheusCacheReusesAnswersWithinTTL(t *testing.T) {
	_, models, target := tlsFleet(t)
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: []localenv.ScrapeTarget{target}})
	counter := &queryCounter{}
	var enabled atomic.Bool
	const ttl = 20 * time.Second
	src, err := NewPrometheusSource(PrometheusOptions{
		BaseURL: prom.URL, WrapTransport: counter.wrap,
		Cache: func() CacheSettings { return CacheSettings{Enabled: enabled.Load(), TTL: ttl} },
	}, Windows{StaleAfter: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	collect := func(now time.Time) (ModelSignals, int64) {
		t.Helper()
		before := counter.queries.Load()
		got, err := src.Collect(ctx, models, now)
		if err != nil {
			t.Fatal(err)
		}
		return got[0], counter.queries.Load() - before
	}
	eventually(t, time.Minute, func() error { // the cache is off while Prometheus fills
		_, err := replicaOf(func() ModelSignals { m, _ := collect(time.Now()); return m }(), "v", "p-0")
		return err
	})

	enabled.Store(true)
	t0 := time.Now()
	first, asked := collect(t0)
	if asked == 0 {
		t.Fatal("the first cycle with the cache on sent no query")
	}
	want, err := replicaOf(first, "v", "p-0")
	if err != nil {
		t.Fatal(err)
	}
	again, sent := collect(t0.Add(ttl - time.Second))
	if sent != 0 {
		t.Errorf("a cycle %s later sent %d queries, want 0 (all cached)", ttl-time.Second, sent)
	}
	if r, err := replicaOf(again, "v", "p-0"); err != nil || sameValues(r, want) != nil {
		t.Errorf("cached answer differs: %+v (%v), want %+v", r, err, want)
	}
	if _, sent := collect(t0.Add(ttl)); sent != asked {
		t.Errorf("a cycle one TTL later sent %d queries, want %d (the cache expired)", sent, asked)
	}
	enabled.Store(false)
	if _, sent := collect(t0.Add(ttl + time.Second)); sent != asked {
		t.Errorf("with the cache turned off a cycle sent %d queries, want %d", sent, asked)
	}
}
