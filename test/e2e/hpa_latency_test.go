//go:build bench

package e2e

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// TestMeasureDecisionToHPAAction measures the time from WVA's decision (wva_desired_replicas
// rises on /metrics) to the HPA's action (the Deployment's spec.replicas follows), through
// prometheus-adapter and through WVA's built-in external metrics API, N runs each on the
// same environment, alternating. Each run is a fresh variant under a load step. It takes minutes, so it
// is built only with the bench tag, which `make bench-hpa-latency` passes
// (WVA_MEASURE_HPA_LATENCY=N, alone: it moves the external metrics APIService between the
// two servers); make test never sees it, so it is never skipped there.
func TestMeasureDecisionToHPAAction(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("WVA_MEASURE_HPA_LATENCY"))
	if runs <= 0 {
		t.Fatal("set WVA_MEASURE_HPA_LATENCY=<runs per path>, or run `make bench-hpa-latency`")
	}
	ctx := context.Background()
	if err := s.env.ApplyFiles(ctx, filepath.Join(repoRoot, "config/external-metrics/auth_reader_rolebinding.yaml")); err != nil {
		t.Fatal(err)
	}
	results := map[string][]float64{}
	// The paths alternate, so a slow spell of the machine does not fall on one path only.
	for i := 1; i <= runs; i++ {
		for _, path := range []string{"prometheus-adapter", "built-in"} {
			var d time.Duration
			t.Run(fmt.Sprintf("%s-%d", path, i), func(t *testing.T) { d = measureOnce(t, path == "built-in") })
			if t.Failed() {
				return
			}
			results[path] = append(results[path], d.Seconds())
			t.Logf("LATENCY %s run %d: decision → HPA action %.2fs", path, i, d.Seconds())
		}
	}
	// Hand external.metrics.k8s.io back to the adapter for whatever runs next.
	if err := localenv.RegisterExternalMetrics(ctx, s.env, localenv.AdapterNamespace, localenv.AdapterService, s.adapter.Port, s.adapter.CAPEM); err != nil {
		t.Error(err)
	}
	t.Logf("| path | runs | min | median | mean | max | all (s) |")
	t.Logf("| --- | --- | --- | --- | --- | --- | --- |")
	for _, path := range []string{"prometheus-adapter", "built-in"} {
		v := results[path]
		sort.Float64s(v)
		mean := 0.0
		var all []string
		for _, x := range v {
			mean += x / float64(len(v))
			all = append(all, fmt.Sprintf("%.1f", x))
		}
		t.Logf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %s |", path, len(v), v[0], v[len(v)/2], mean, v[len(v)-1], strings.Join(all, ", "))
	}
}

// measureOnce runs one variant from steady state through a load step and returns the time
// from the first /metrics value ≥ 2 to the Deployment's spec.replicas ≥ 2.
func measureOnce(t *testing.T, builtIn bool) time.Duration {
	ctx := context.Background()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "5s", "")
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	createHPA(t, ns, name, 1, 20)
	// Give the fake GPUs back for the next run: the namespace itself is left for the logs.
	t.Cleanup(func() {
		_ = s.client.Delete(ctx, &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		_ = s.client.Delete(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
	})
	var env []string
	port := freePort(t)
	if builtIn {
		env = append(env, "EXTERNAL_METRICS_ADDR=127.0.0.1:"+strconv.Itoa(port))
	}
	// WVA's cycle and the HPA's sync both run every 5 s; a random start shifts WVA's phase
	// against the HPA's, so the runs sample the whole sync period instead of one offset.
	time.Sleep(time.Duration(rand.Int64N(int64(5 * time.Second))))
	m := startManager(t, ns, s.prom.URL, true, env...)
	// external.metrics.k8s.io goes to this run's WVA, or back to the adapter.
	if builtIn {
		if err := localenv.RegisterExternalMetrics(ctx, s.env, "wva-external-metrics", "wva", port, nil); err != nil {
			t.Fatal(err)
		}
	} else if err := localenv.RegisterExternalMetrics(ctx, s.env, localenv.AdapterNamespace, localenv.AdapterService, s.adapter.Port, s.adapter.CAPEM); err != nil {
		t.Fatal(err)
	}
	url, _ := startGateway(t, ns)
	eventually(t, "one Ready replica, desired 1, and the HPA reading the metric", 3*time.Minute, func() error {
		_, ready, err := replicas(t, ns, name)
		if err != nil || ready != 1 || desired(m, name) != 1 {
			return fmt.Errorf("ready %d desired %v (%v)", ready, desired(m, name), err)
		}
		var h autoscalingv2.HorizontalPodAutoscaler
		if err := s.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &h); err != nil {
			return err
		}
		for _, c := range h.Status.Conditions {
			if c.Type == autoscalingv2.ScalingActive && c.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("HPA conditions %+v", h.Status.Conditions)
	})
	l := startLoad(t, url, 1.0)
	defer l.stop()
	var decided time.Time
	deadline := time.Now().Add(4 * time.Minute)
	for time.Now().Before(deadline) {
		if decided.IsZero() && desired(m, name) >= 2 {
			decided = time.Now()
		}
		if spec, _, err := replicas(t, ns, name); err == nil && spec >= 2 {
			if decided.IsZero() {
				t.Fatal("the Deployment scaled before WVA's decision was seen")
			}
			return time.Since(decided)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no scale-up within 4 minutes (decided %v)", !decided.IsZero())
	return time.Duration(math.MaxInt64)
}
