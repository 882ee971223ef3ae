package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// oneVariant creates one single-replica variant of the model on a GPU node of its own,
// labelled for the namespace's controller instance, and returns its Pod's name once it is
// Ready: only a Ready replica is capacity, and on the suite's shared nodes a parallel test
// may take the last GPU and leave the Pod Pending.
func oneVariant(t *testing.T, ns, name string) string {
	t.Helper()
	ctx := context.Background()
	product := "NVIDIA-H100-" + ns
	if err := s.env.AddNode(ctx, localenv.Node{Name: "gpu-" + ns, GPUProduct: product, GPUs: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newDeployment(ns, name, product, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, name, model, name, "20", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	return readyPods(t, ns, name, 1)[0].Name
}

// The MetricsAvailable condition tells a replica that never reported (MetricsMissing)
// from one whose reports stopped (MetricsStale), through the real collector, Prometheus
// and API server.
func TestMetricsMissingAndStaleReachTheVA(t *testing.T) {
	ns := newNamespace(t)
	startManager(t, "missing-stale", "GLOBAL_OPT_INTERVAL=2s", "CONTROLLER_INSTANCE="+ns)
	pod := oneVariant(t, ns, "llama")

	c := wantCondition(t, ns, "llama", v1alpha1.ConditionMetricsAvailable, metav1.ConditionFalse, "MetricsMissing", patience)
	if !strings.Contains(c.Message, "none of 1 replica(s) reported") {
		t.Errorf("MetricsMissing message %q does not say which replicas were expected", c.Message)
	}

	s.exp.set(ns, pod, model, 0.3, 0)
	wantCondition(t, ns, "llama", v1alpha1.ConditionMetricsAvailable, metav1.ConditionTrue, "MetricsFound", patience)

	s.exp.remove(ns, pod, model)
	c = wantCondition(t, ns, "llama", v1alpha1.ConditionMetricsAvailable, metav1.ConditionFalse, "MetricsStale", patience)
	if !strings.Contains(c.Message, "older than the staleness limit") {
		t.Errorf("MetricsStale message %q does not say the samples are too old", c.Message)
	}
}

// The guide's safety net, through the controller: after a successful cycle published a
// desired count the target has not reached yet, Prometheus goes down. WVA keeps emitting
// the previous desired (not the current replicas), logs the fallback as the guide says,
// and MetricsAvailable says why.
func TestSafetyNetKeepsThePreviousDesiredWhenPrometheusGoesDown(t *testing.T) {
	ns := newNamespace(t)
	prom, err := localenv.StartPrometheus(context.Background(), localenv.PrometheusOptions{
		BinDir: s.env.BinDir, Dir: t.TempDir(), HonorLabels: true, ScrapeInterval: time.Second,
		Targets: []localenv.ScrapeTarget{{Address: s.exp.addr}},
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			prom.Stop()
		}
	})
	// 5 s cycles: Prometheus goes down well before the change to 2 could expire as
	// stalled (3 intervals), so the previous desired is still the change in flight.
	m := startManager(t, "previous-desired", "GLOBAL_OPT_INTERVAL=5s", "CONTROLLER_INSTANCE="+ns, "PROMETHEUS_BASE_URL="+prom.URL)
	pod := oneVariant(t, ns, "llama")
	s.exp.set(ns, pod, model, 0.95, 8) // saturated: one more replica

	// Metrics mode and no HPA: the Deployment stays at 1 while WVA asks for 2.
	wantDesired(t, ns, "llama", 2, patience)
	if l, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", ns, "llama"); !ok || !strings.HasSuffix(l, " 2") {
		t.Fatalf("wva_desired_replicas before the outage: %q", l)
	}

	prom.Stop()
	stopped = true
	down, before := time.Now(), len(m.Log())
	wantCondition(t, ns, "llama", v1alpha1.ConditionMetricsAvailable, metav1.ConditionFalse, "PrometheusError", patience)
	outage := func() string { return m.Log()[before:] } // the log since Prometheus went down
	fallback := func() int {
		n := 0
		for _, line := range strings.Split(outage(), "\n") {
			if strings.Contains(line, `"msg":"Safety net activated: emitted fallback metrics"`) && strings.Contains(line, `"variant":"llama"`) &&
				strings.Contains(line, `"currentReplicas":1`) && strings.Contains(line, `"desiredReplicas":2`) &&
				strings.Contains(line, `"fallbackSource":"previous-desired"`) {
				n++
			}
		}
		return n
	}
	// Several cycles of the outage, each falling back to the previous desired.
	eventually(t, patience, func() error {
		if n := fallback(); n < 3 {
			return fmt.Errorf("%d safety-net log lines with fallbackSource previous-desired, desired 2 and current 1; want 3", n)
		}
		return nil
	})
	t.Logf("3 safety-net cycles %.1fs after Prometheus went down (interval 5s)", time.Since(down).Seconds())
	l, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", ns, "llama")
	if !ok || !strings.HasSuffix(l, " 2") {
		t.Errorf("wva_desired_replicas during the outage: %q, want the previous desired 2 (not the current 1)", l)
	}
	if got, _ := desired(t, ns, "llama"); got != 2 {
		t.Errorf("status desired %d during the outage, want the previous desired 2", got)
	}
	if strings.Contains(outage(), `"fallbackSource":"current-replicas"`) {
		t.Error("a cycle of the outage fell back to the current replicas although a previous desired was published")
	}
}
