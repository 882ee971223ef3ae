package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// Prometheus down → WVA's safety net holds the replicas: no scale-down, and no scale to
// zero although scale to zero is on and the retention period passes (no data is not
// zero traffic). Prometheus back → decisions resume: the idle variant goes down and, the
// retention period passing with data showing no traffic, to zero. Direct actuation, so
// WVA alone acts; this scenario has its own Prometheus, behind a stable address. The
// peak window (idlePeakWindow, 10 s) is shorter than the retention period (20 s), so the
// scale-down's wait after the outage ends before the zero policy's: the check on the time
// to zero below tells the two waits apart.
func TestPrometheusOutageHoldsReplicasThenDecisionsResume(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	const retention = 20 * time.Second
	configMaps(t, ns, "5s", fmt.Sprintf("enable_scale_to_zero: true\nretention_period: %s\n", retention))
	createDeployment(t, ns, name, h100, 2)
	createVA(t, ns, name, "H100", "20.0")
	proxy := newSwitchProxy(t) // down: Prometheus is not running yet
	m := startManager(t, ns, proxy.URL(), false, "ACTUATION_MODE=direct", "METRICS_PEAK_WINDOW="+idlePeakWindow.String())

	eventually(t, "VA says metrics are unavailable", 2*time.Minute, func() error {
		v, err := va(ns, name)
		if err != nil {
			return err
		}
		if st, r := condition(v, v1alpha1.ConditionMetricsAvailable); st != "False" {
			return fmt.Errorf("MetricsAvailable=%s/%s", st, r)
		}
		return nil
	})
	// Longer than the retention period plus several 5 s cycles.
	consistently(t, "replicas held while Prometheus is down", retention+15*time.Second, func() error {
		if spec, _, err := replicas(t, ns, name); err == nil && spec != 2 {
			return fmt.Errorf("replicas changed to %d during the outage", spec)
		}
		return nil
	})
	// The guide: the safety net emits fallback metrics (here the current 2, as no
	// decision was ever published); an HPA must never be left without a value.
	if d := desired(m, name); d != 2 {
		t.Errorf("wva_desired_replicas %v during the outage, want the fallback 2 (-1: no series)", d)
	}

	prom, err := startClusterPrometheus(context.Background(), filepath.Join(s.tmp, "prometheus-"+ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	proxy.up(t, prom.URL)
	back := time.Now()
	eventually(t, "decisions resume: the idle variant scales down", 3*time.Minute, func() error {
		if spec, _, err := replicas(t, ns, name); err != nil || spec > 1 {
			return fmt.Errorf("spec %d (%v)", spec, err)
		}
		return nil
	})
	eventually(t, "and, with data showing no traffic for the retention period, to zero", 3*time.Minute, func() error {
		if spec, _, err := replicas(t, ns, name); err != nil || spec != 0 {
			return fmt.Errorf("spec %d (%v)", spec, err)
		}
		return nil
	})
	// A Prometheus back with an empty TSDB holds only seconds of success counts: zero may
	// come only once the retention period is covered by data, less the 5 s resolution at
	// which the collector finds the oldest sample and 1 s of rounding; the peak window's
	// wait alone would allow it after 10 s.
	took := time.Since(back)
	if took < retention-6*time.Second {
		t.Errorf("0 replicas %.1fs after Prometheus came back, before the %s retention period was covered by data", took.Seconds(), retention)
	}
	t.Logf("Prometheus back → 0 replicas in %.1fs", took.Seconds())
}
