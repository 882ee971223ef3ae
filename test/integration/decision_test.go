package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

const model = "meta/llama-3.1-8b"

// twoVariants creates the guide's cost example: the same model on a cheap A100 variant
// (cost 5) and a dear H100 variant (cost 20), one replica each, and waits until their
// pods are Ready.
func twoVariants(t *testing.T, ns string, labels map[string]string) {
	t.Helper()
	ctx := context.Background()
	for _, v := range []struct{ name, product, cost string }{
		{"llama-a100", "NVIDIA-A100-SXM4-80GB", "5"},
		{"llama-h100", "NVIDIA-H100-80GB-HBM3", "20"},
	} {
		if err := s.client.Create(ctx, newDeployment(ns, v.name, v.product, 1)); err != nil {
			t.Fatal(err)
		}
		if err := s.client.Create(ctx, newVA(ns, v.name, model, v.name, v.cost, labels)); err != nil {
			t.Fatal(err)
		}
	}
	for _, app := range []string{"llama-a100", "llama-h100"} {
		readyPods(t, ns, app, 1)
	}
}

// loadAll publishes the same load for every pod of the namespace's variants.
func loadAll(t *testing.T, ns string, kv, waiting float64) {
	t.Helper()
	for _, app := range []string{"llama-a100", "llama-h100"} {
		for _, p := range podsOf(t, ns, app) {
			s.exp.set(ns, p.Name, model, kv, waiting)
		}
	}
}

func desired(t *testing.T, ns, name string) (int32, bool) {
	t.Helper()
	a := getVA(t, ns, name).Status.DesiredOptimizedAlloc
	if a.NumReplicas == nil {
		return 0, false
	}
	return *a.NumReplicas, true
}

func wantDesired(t *testing.T, ns, name string, want int32, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() error {
		if got, ok := desired(t, ns, name); !ok || got != want {
			return fmt.Errorf("%s desired %d (set %v), want %d", name, got, ok, want)
		}
		return nil
	})
}

// Saturated replicas scale the cheaper variant up; the decision shows in status, events
// and wva_desired_replicas, and the dearer variant is left alone.
func TestSaturationScalesTheCheaperVariantUpThroughMetrics(t *testing.T) {
	ns := newNamespace(t)
	m := startManager(t, "metrics-mode", "GLOBAL_OPT_INTERVAL=3s")
	twoVariants(t, ns, nil)
	loadAll(t, ns, 0.30, 0)
	wantCondition(t, ns, "llama-a100", v1alpha1.ConditionMetricsAvailable, metav1.ConditionTrue, "MetricsFound", patience)
	wantDesired(t, ns, "llama-a100", 1, patience)

	loadAll(t, ns, 0.95, 8)
	wantDesired(t, ns, "llama-a100", 2, patience)
	if got, _ := desired(t, ns, "llama-h100"); got != 1 {
		t.Errorf("the dearer variant's desired changed to %d", got)
	}
	eventually(t, patience, func() error {
		l, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", ns, "llama-a100")
		if !ok || !strings.HasSuffix(l, " 2") || !strings.Contains(l, `accelerator_type="NVIDIA-A100-SXM4-80GB"`) {
			return fmt.Errorf("wva_desired_replicas line %q", l)
		}
		if l, ok := seriesLine(metricsOf(t, m), "wva_replica_scaling_total", ns, "llama-a100"); !ok || !strings.Contains(l, `direction="up"`) {
			return fmt.Errorf("wva_replica_scaling_total line %q", l)
		}
		return nil
	})
	// In metrics mode WVA never touches the Deployment itself.
	var d appsv1.Deployment
	if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "llama-a100"}, &d); err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 1 {
		t.Errorf("metrics mode changed the Deployment to %d replicas", *d.Spec.Replicas)
	}
	if va := getVA(t, ns, "llama-a100"); va.Status.Actuation.Applied {
		t.Error("actuation.applied is true in metrics mode")
	}
	if !strings.Contains(m.Log(), `"msg":"Scaling decision"`) {
		t.Error("no structured decision log line")
	}
}

// In direct mode the manager scales the Deployment itself and says so in status.
func TestDirectModeScalesTheDeployment(t *testing.T) {
	ns := newNamespace(t)
	startManager(t, "direct-mode", "GLOBAL_OPT_INTERVAL=3s", "ACTUATION_MODE=direct")
	twoVariants(t, ns, nil)
	loadAll(t, ns, 0.95, 8)
	eventually(t, patience, func() error {
		var d appsv1.Deployment
		if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "llama-a100"}, &d); err != nil {
			return err
		}
		if *d.Spec.Replicas < 2 {
			return fmt.Errorf("llama-a100 has %d replicas", *d.Spec.Replicas)
		}
		return nil
	})
	eventually(t, patience, func() error {
		if va := getVA(t, ns, "llama-a100"); !va.Status.Actuation.Applied {
			return fmt.Errorf("actuation.applied not set")
		}
		return nil
	})
}

// With Prometheus unreachable the safety net keeps the replicas and says so.
func TestSafetyNetWhenPrometheusIsUnreachable(t *testing.T) {
	ns := newNamespace(t)
	dead := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	m := startManager(t, "safety-net", "GLOBAL_OPT_INTERVAL=3s", "PROMETHEUS_BASE_URL="+dead)
	twoVariants(t, ns, nil)
	c := wantCondition(t, ns, "llama-a100", v1alpha1.ConditionMetricsAvailable, metav1.ConditionFalse, "PrometheusError", patience)
	if c.Message == "" {
		t.Error("PrometheusError condition without a message")
	}
	wantDesired(t, ns, "llama-a100", 1, patience)
	eventually(t, patience, func() error {
		for _, line := range strings.Split(m.Log(), "\n") {
			if strings.Contains(line, "Safety net activated: emitted fallback metrics") && strings.Contains(line, `"variant":"llama-a100"`) &&
				strings.Contains(line, `"currentReplicas":1`) && strings.Contains(line, `"desiredReplicas":1`) && strings.Contains(line, `"fallbackSource":"current-replicas"`) {
				return nil
			}
		}
		return fmt.Errorf("no safety-net log line for llama-a100")
	})
	l, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", ns, "llama-a100")
	if !ok || !strings.HasSuffix(l, " 1") {
		t.Errorf("safety net did not emit desired = current: %q", l)
	}
}

// In limited mode a scale-up goes only where GPUs are free: the cheap L4 variant has used
// up its node's GPUs, so the extra replica lands on the dearer H100 variant, and the L4
// variant's reason says what could not be granted.
func TestLimitedModeGrantsScaleUpsFromFreeGPUsOnly(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	if err := s.env.AddNode(ctx, localenv.Node{Name: "gpu-l4-" + ns, GPUProduct: "NVIDIA-L4-" + ns, GPUs: 2}); err != nil {
		t.Fatal(err)
	}
	startManager(t, "limited", "GLOBAL_OPT_INTERVAL=3s", "WVA_LIMITED_MODE=true", "CONTROLLER_INSTANCE="+ns)
	labels := map[string]string{instanceLabel: ns}
	for _, v := range []struct {
		name, product, cost string
		replicas            int32
	}{{"cheap-l4", "NVIDIA-L4-" + ns, "1", 2}, {"dear-h100", "NVIDIA-H100-80GB-HBM3", "20", 1}} {
		if err := s.client.Create(ctx, newDeployment(ns, v.name, v.product, v.replicas)); err != nil {
			t.Fatal(err)
		}
		if err := s.client.Create(ctx, newVA(ns, v.name, model, v.name, v.cost, labels)); err != nil {
			t.Fatal(err)
		}
	}
	for app, n := range map[string]int{"cheap-l4": 2, "dear-h100": 1} {
		for _, p := range readyPods(t, ns, app, n) {
			s.exp.set(ns, p.Name, model, 0.95, 8)
		}
	}
	wantDesired(t, ns, "dear-h100", 2, patience)
	if got, _ := desired(t, ns, "cheap-l4"); got != 2 {
		t.Errorf("the L4 variant got desired %d with no free L4 GPU", got)
	}
	c, err := condition(getVA(t, ns, "cheap-l4"), v1alpha1.ConditionReady)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(c.Message), "gpu") {
		t.Errorf("the L4 variant's message does not mention the GPU limit: %q", c.Message)
	}
}
