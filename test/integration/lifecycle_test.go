package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// The guide's lifecycle: a VA created before its Deployment says DeploymentNotFound; the
// Deployment's creation makes it Ready at once (not at the next 60 s interval); deleting
// the Deployment clears the allocation and the series; recreating it recovers.
func TestLifecycleOfTheTargetDeployment(t *testing.T) {
	ns := newNamespace(t)
	m := startManager(t, "lifecycle", "GLOBAL_OPT_INTERVAL=60s")
	ctx := context.Background()

	if err := s.client.Create(ctx, newVA(ns, "llama-h100", "meta/llama-3.1-8b", "llama-h100", "20", nil)); err != nil {
		t.Fatal(err)
	}
	c := wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotFound, 30*time.Second)
	if c.Message != "Target deployment 'llama-h100' no longer exists" {
		t.Errorf("message = %q", c.Message)
	}

	created := time.Now()
	if err := s.client.Create(ctx, newDeployment(ns, "llama-h100", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	// Well inside the 60 s interval: the create event must trigger the decision.
	wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, 20*time.Second)
	t.Logf("Ready %.1fs after the Deployment was created (interval 60s)", time.Since(created).Seconds())
	va := getVA(t, ns, "llama-h100")
	if a := va.Status.DesiredOptimizedAlloc; a.NumReplicas == nil || a.LastRunTime == nil || a.Accelerator != "NVIDIA-H100-80GB-HBM3" {
		t.Errorf("desiredOptimizedAlloc after the target appeared = %+v", a)
	}
	eventually(t, 20*time.Second, func() error {
		if _, ok := seriesLine(m.metrics(t), "wva_desired_replicas", ns, "llama-h100"); !ok {
			return fmt.Errorf("no wva_desired_replicas series for the variant yet")
		}
		return nil
	})

	if err := s.client.Delete(ctx, newDeployment(ns, "llama-h100", "", 0)); err != nil {
		t.Fatal(err)
	}
	c = wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotFound, 20*time.Second)
	if c.Message != "Target deployment 'llama-h100' no longer exists" {
		t.Errorf("message after deletion = %q", c.Message)
	}
	va = getVA(t, ns, "llama-h100")
	if a := va.Status.DesiredOptimizedAlloc; a.NumReplicas != nil || a.LastRunTime != nil || a.Accelerator != "" {
		t.Errorf("desiredOptimizedAlloc after deletion = %+v, want {}", a)
	}
	eventually(t, 10*time.Second, func() error {
		for _, name := range []string{"wva_desired_replicas", "wva_current_replicas", "wva_desired_ratio"} {
			if l, ok := seriesLine(m.metrics(t), name, ns, "llama-h100"); ok {
				return fmt.Errorf("series still exported: %s", l)
			}
		}
		return nil
	})

	if err := s.client.Create(ctx, newDeployment(ns, "llama-h100", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, 20*time.Second)
	if !strings.Contains(m.log(), "Decision engine started") {
		t.Error("the manager never logged that the engine started")
	}
}
