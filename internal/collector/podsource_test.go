package collector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

func TestPodSourceMatchesPrometheusForTheSameServers(t *testing.T) {
	f := newFleet(t)
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: f.targets()})
	if err := prom.WaitForTargets(context.Background(), len(f.pods)); err != nil {
		t.Fatal(err)
	}
	promSrc, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL}, Windows{StaleAfter: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	podSrc := NewPodSource(PodSourceOptions{Windows: Windows{StaleAfter: 10 * time.Second}})
	ctx := context.Background()
	// Two scrapes, so that counters have an increase over the success window.
	t0 := time.Now()
	if _, err := podSrc.Collect(ctx, f.models, t0); err != nil {
		t.Fatal(err)
	}
	fromPods, err := podSrc.Collect(ctx, f.models, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkFleet(f, fromPods); err != nil {
		t.Fatalf("pod source: %v", err)
	}
	eventually(t, time.Minute, func() error {
		fromProm, err := promSrc.Collect(ctx, f.models, time.Now())
		if err != nil {
			return err
		}
		for i := range f.models {
			for j, v := range fromPods[i].Variants {
				pv := fromProm[i].Variants[j]
				if len(pv.Replicas) != len(v.Replicas) {
					return fmt.Errorf("variant %s: %d replicas from Prometheus, %d from Pods", v.Name, len(pv.Replicas), len(v.Replicas))
				}
				for k := range v.Replicas {
					if err := sameValues(pv.Replicas[k], v.Replicas[k]); err != nil {
						return fmt.Errorf("Prometheus vs Pods: %w", err)
					}
				}
			}
		}
		return nil
	})
}

func TestPodSourcePeakStaleAndMissing(t *testing.T) {
	srv := startFakeServer(t, "m", values(1))
	models := []Model{{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{
		pod("p-0", srv), {Name: "no-ip"}, {Name: "wrong-port", IP: "127.0.0.1", MetricsPort: 1, MetricsPath: "/metrics"},
	}}}}}
	w := Windows{Peak: time.Minute, StaleAfter: 30 * time.Second}
	src := NewPodSource(PodSourceOptions{Windows: w, Timeout: 2 * time.Second})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

	high := values(1)
	high.KV, high.Waiting = 0.9, 30
	srv.set(high)
	mustCollect(t, src, models, t0)
	srv.set(values(1))
	got := mustCollect(t, src, models, t0.Add(40*time.Second))
	r, err := replicaOf(got[0], "v", "p-0")
	if err != nil {
		t.Fatal(err)
	}
	if r.KvCacheUsage != 0.9 || r.Waiting != 30 {
		t.Fatalf("peak over the last minute lost: %+v", r)
	}
	if h := got[0].Variants[0].Health; h.Reported != 1 || h.Pods != 3 || !h.Usable {
		t.Fatalf("health %+v, want 1 of 3 reported", h)
	}
	got = mustCollect(t, src, models, t0.Add(70*time.Second))
	if r, _ := replicaOf(got[0], "v", "p-0"); r.KvCacheUsage != values(1).KV {
		t.Fatalf("peak older than the window kept: %+v", r)
	}

	srv.stop()
	stopped := t0.Add(80 * time.Second)
	got = mustCollect(t, src, models, stopped)
	if h := got[0].Health; !h.Usable || h.NewestSampleAge != 10*time.Second {
		t.Fatalf("within the staleness limit: health %+v", h)
	}
	got = mustCollect(t, src, models, stopped.Add(25*time.Second))
	h := got[0].Health
	if h.Usable || h.Reason != ReasonMetricsStale || h.Stale != 1 || h.NewestSampleAge != 35*time.Second || len(got[0].Variants[0].Replicas) != 0 {
		t.Fatalf("after the staleness limit: health %+v replicas %v", h, got[0].Variants[0].Replicas)
	}
	got = mustCollect(t, src, models, stopped.Add(10*time.Minute))
	if h := got[0].Health; h.Usable || h.Reason != ReasonMetricsMissing {
		t.Fatalf("long gone: health %+v, want MetricsMissing", h)
	}
}

func mustCollect(t *testing.T, src Source, models []Model, now time.Time) []ModelSignals {
	t.Helper()
	got, err := src.Collect(context.Background(), models, now)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestPodSourceRunSamplesBetweenCycles(t *testing.T) {
	srv := startFakeServer(t, "m", values(1))
	models := []Model{{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{pod("p-0", srv)}}}}}
	src := NewPodSource(PodSourceOptions{Windows: Windows{Peak: time.Minute}})
	mustCollect(t, src, models, time.Now()) // tells Run which Pods to sample
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, 50*time.Millisecond) }()

	high := values(1)
	high.Waiting = 77
	srv.set(high)
	scrapes := func() uint64 { srv.mu.Lock(); defer srv.mu.Unlock(); return srv.scrapes }
	seen := scrapes()
	eventually(t, 10*time.Second, func() error {
		if scrapes() < seen+2 {
			return fmt.Errorf("Run has not scraped yet")
		}
		return nil
	})
	srv.set(values(1))
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The cycle's own scrape sees the low value; the peak comes from Run's samples.
	got := mustCollect(t, src, models, time.Now())
	if r, err := replicaOf(got[0], "v", "p-0"); err != nil || r.Waiting != 77 {
		t.Fatalf("peak sampled between cycles lost: %+v %v", r, err)
	}
}
