package collector

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// startPrometheus starts a real Prometheus (bin/tools/prometheus) for one test, printing
// the end of its log if the test fails.
func startPrometheus(t testing.TB, opts localenv.PrometheusOptions) *localenv.Prometheus {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	p, err := localenv.StartPrometheus(context.Background(), opts)
	if err != nil {
		t.Fatalf("start Prometheus: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if data, err := os.ReadFile(p.LogPath); err == nil {
				lines := strings.Split(string(data), "\n")
				t.Logf("Prometheus log tail:\n%s", strings.Join(lines[max(0, len(lines)-30):], "\n"))
			}
		}
		p.Stop()
	})
	return p
}

// fakeTarget is the scrape target of a fake server as Pod ns/pod.
func fakeTarget(ns, pod string, f *fakeServer) localenv.ScrapeTarget {
	return localenv.ScrapeTarget{Address: f.addr, Labels: map[string]string{"namespace": ns, "pod": pod}}
}

// queryCounter counts the query requests that reach the wire.
type queryCounter struct {
	next    http.RoundTripper
	queries atomic.Int64
}

func (c *queryCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/api/v1/query") {
		c.queries.Add(1)
	}
	return c.next.RoundTrip(r)
}

// wrap is a PrometheusOptions.WrapTransport installing the counter.
func (c *queryCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	c.next = rt
	return c
}

// eventually waits for cond; see localenvtest.Eventually.
func eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	localenvtest.Eventually(t, timeout, cond)
}

// replicaOf finds a pod's replica signals in a model's variant.
func replicaOf(ms ModelSignals, variant, pod string) (ReplicaSignals, error) {
	for _, v := range ms.Variants {
		if v.Name != variant {
			continue
		}
		for _, r := range v.Replicas {
			if r.Pod == pod {
				return r, nil
			}
		}
		return ReplicaSignals{}, fmt.Errorf("%s/%s: variant %s has no usable replica %s (health %+v)", ms.Namespace, ms.ModelID, variant, pod, v.Health)
	}
	return ReplicaSignals{}, fmt.Errorf("%s/%s: no variant %s", ms.Namespace, ms.ModelID, variant)
}

// sameValues compares the signal values of two replicas (not their sample times).
// Mean latencies come from rates, whose extrapolation may move the last bits: they are
// compared with a relative tolerance.
func sameValues(got, want ReplicaSignals) error {
	got.SampleTime, want.SampleTime = time.Time{}, time.Time{}
	if !near(got.AvgTTFTSeconds, want.AvgTTFTSeconds) || !near(got.AvgITLSeconds, want.AvgITLSeconds) {
		return fmt.Errorf("replica %s: latencies %g/%g, want %g/%g", want.Pod, got.AvgTTFTSeconds, got.AvgITLSeconds, want.AvgTTFTSeconds, want.AvgITLSeconds)
	}
	got.AvgTTFTSeconds, got.AvgITLSeconds = want.AvgTTFTSeconds, want.AvgITLSeconds
	if got != want {
		return fmt.Errorf("replica %s:\n got %+v\nwant %+v", want.Pod, got, want)
	}
	return nil
}

// pod is a Pod entry of a request for a fake server.
func pod(name string, f *fakeServer) Pod {
	return Pod{Name: name, IP: "127.0.0.1", MetricsPort: f.port(), MetricsPath: DefaultMetricsPath}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

// TestMain gives controller-runtime a logger, so that log.FromContext does not complain.
func TestMain(m *testing.M) {
	log.SetLogger(logr.Discard())
	os.Exit(m.Run())
}
