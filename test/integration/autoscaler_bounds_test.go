package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// An HPA with maxReplicas 1 on the cheap variant bounds WVA's desired count: with every
// replica saturated WVA never publishes more than 1 for it (a count the HPA would never
// reach, leaving the change in flight for ever), says so in the Ready condition, and gives
// the scale-up to the dearer variant, which has room.
func TestHPAMaxReplicasBoundsDesired(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "llama-a100"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "llama-a100"},
			MinReplicas:    ptr.To[int32](1), MaxReplicas: 1,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "wva_desired_replicas"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("1"))},
			}}},
		},
	}
	if err := s.client.Create(ctx, hpa); err != nil {
		t.Fatal(err)
	}
	startManager(t, "hpa-bounds", "GLOBAL_OPT_INTERVAL=3s")
	twoVariants(t, ns, nil)
	loadAll(t, ns, 0.95, 8)
	wantDesired(t, ns, "llama-h100", 2, time.Minute)
	if got, _ := desired(t, ns, "llama-a100"); got != 1 {
		t.Fatalf("llama-a100 desired %d above its HPA's maxReplicas 1", got)
	}
	eventually(t, 20*time.Second, func() error {
		c, err := condition(getVA(t, ns, "llama-a100"), v1alpha1.ConditionReady)
		if err != nil {
			return err
		}
		if !strings.Contains(c.Message, "HorizontalPodAutoscaler llama-a100 maxReplicas 1") {
			return fmt.Errorf("Ready message %q does not name the HPA bound", c.Message)
		}
		return nil
	})
}

// KEDA ScaledObjects bound WVA's desired count as HPAs do, read from the real API server
// with KEDA's own CRDs installed: minReplicaCount 3 on the dear variant raises its idle
// desired count to 3, maxReplicaCount 1 on the cheap one keeps its saturated desired count
// at 1, and each reason names the ScaledObject and its field as KEDA spells it.
func TestKEDAScaledObjectBoundsDesired(t *testing.T) {
	ctx := context.Background()
	crds := filepath.Join(os.Getenv("WVA_TOOLS_BIN"), "keda-crds.yaml")
	if err := s.env.ApplyFiles(ctx, crds); err != nil {
		t.Fatalf("install KEDA's CRDs from %s (run `make tools`): %v", crds, err)
	}
	ns := newNamespace(t)
	for _, so := range []struct {
		target   string
		min, max int64
	}{{"llama-a100", 1, 1}, {"llama-h100", 3, 10}} {
		o := &unstructured.Unstructured{Object: map[string]any{
			"spec": map[string]any{
				"scaleTargetRef":  map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": so.target},
				"minReplicaCount": so.min, "maxReplicaCount": so.max,
				"triggers": []any{map[string]any{"type": "prometheus", "metadata": map[string]any{
					"serverAddress": "https://prometheus:9090", "query": "max(wva_desired_replicas)", "threshold": "1"}}},
			},
		}}
		o.SetGroupVersionKind(inventory.ScaledObjectGVK)
		o.SetNamespace(ns)
		o.SetName(so.target)
		if err := s.client.Create(ctx, o); err != nil {
			t.Fatalf("create ScaledObject %s: %v", so.target, err)
		}
	}
	startManager(t, "keda-bounds", "GLOBAL_OPT_INTERVAL=3s")
	twoVariants(t, ns, nil)
	loadAll(t, ns, 0.30, 0)
	wantDesired(t, ns, "llama-h100", 3, patience)
	wantReadyMessage(t, ns, "llama-h100", "ScaledObject llama-h100 minReplicaCount 3")

	loadAll(t, ns, 0.95, 8)
	wantReadyMessage(t, ns, "llama-a100", "ScaledObject llama-a100 maxReplicaCount 1")
	if got, _ := desired(t, ns, "llama-a100"); got != 1 {
		t.Fatalf("llama-a100 desired %d above its ScaledObject's maxReplicaCount 1", got)
	}
}

// wantReadyMessage waits until a VA's Ready condition says part.
func wantReadyMessage(t *testing.T, ns, name, part string) {
	t.Helper()
	eventually(t, patience, func() error {
		c, err := condition(getVA(t, ns, name), v1alpha1.ConditionReady)
		if err != nil {
			return err
		}
		if !strings.Contains(c.Message, part) {
			return fmt.Errorf("%s Ready message %q does not say %q", name, c.Message, part)
		}
		return nil
	})
}
