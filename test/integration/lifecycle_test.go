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
// Deployment's creation makes it Ready at once (not at the next interval); deleting the
// Deployment clears the allocation and the series; recreating it recovers. The interval
// is 30 minutes, so each reaction within patience (2 minutes) can only come from the
// event; the reaction times are measured and logged, not asserted.
func TestLifecycleOfTheTargetDeployment(t *testing.T) {
	ns := newNamespace(t)
	m := startManager(t, "lifecycle", "GLOBAL_OPT_INTERVAL=30m")
	ctx := context.Background()

	if err := s.client.Create(ctx, newVA(ns, "llama-h100", "meta/llama-3.1-8b", "llama-h100", "20", nil)); err != nil {
		t.Fatal(err)
	}
	c := wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotFound, patience)
	if c.Message != "Target deployment 'llama-h100' no longer exists" {
		t.Errorf("message = %q", c.Message)
	}

	created := time.Now()
	if err := s.client.Create(ctx, newDeployment(ns, "llama-h100", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	// Far inside the 30 m interval: the create event must trigger the decision.
	wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	t.Logf("REACTION Deployment created → VA Ready: %.1fs (interval 30m)", time.Since(created).Seconds())
	va := getVA(t, ns, "llama-h100")
	if a := va.Status.DesiredOptimizedAlloc; a.NumReplicas == nil || a.LastRunTime == nil || a.Accelerator != "NVIDIA-H100-80GB-HBM3" {
		t.Errorf("desiredOptimizedAlloc after the target appeared = %+v", a)
	}
	eventually(t, patience, func() error {
		if _, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", ns, "llama-h100"); !ok {
			return fmt.Errorf("no wva_desired_replicas series for the variant yet")
		}
		return nil
	})

	deleted := time.Now()
	if err := s.client.Delete(ctx, newDeployment(ns, "llama-h100", "", 0)); err != nil {
		t.Fatal(err)
	}
	c = wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotFound, patience)
	t.Logf("REACTION Deployment deleted → DeploymentNotFound: %.1fs (interval 30m)", time.Since(deleted).Seconds())
	if c.Message != "Target deployment 'llama-h100' no longer exists" {
		t.Errorf("message after deletion = %q", c.Message)
	}
	va = getVA(t, ns, "llama-h100")
	if a := va.Status.DesiredOptimizedAlloc; a.NumReplicas != nil || a.LastRunTime != nil || a.Accelerator != "" {
		t.Errorf("desiredOptimizedAlloc after deletion = %+v, want {}", a)
	}
	eventually(t, patience, func() error {
		for _, name := range []string{"wva_desired_replicas", "wva_current_replicas", "wva_desired_ratio"} {
			if l, ok := seriesLine(metricsOf(t, m), name, ns, "llama-h100"); ok {
				return fmt.Errorf("series still exported: %s", l)
			}
		}
		return nil
	})

	if err := s.client.Create(ctx, newDeployment(ns, "llama-h100", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	wantCondition(t, ns, "llama-h100", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	if !strings.Contains(m.Log(), "Decision engine started") {
		t.Error("the manager never logged that the engine started")
	}
}

// Two VAs on one target are both reported and neither is acted on; a target whose
// accelerator cannot be derived is managed with accelerator "unknown", and status says how
// to name it.
func TestConflictingVAsAndUnknownAccelerator(t *testing.T) {
	ns := newNamespace(t)
	startManager(t, "conflicts", "GLOBAL_OPT_INTERVAL=3s", "CONTROLLER_INSTANCE="+ns)
	ctx := context.Background()
	labels := map[string]string{instanceLabel: ns}
	if err := s.client.Create(ctx, newDeployment(ns, "shared", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"first", "second"} {
		if err := s.client.Create(ctx, newVA(ns, name, model, "shared", "10", labels)); err != nil {
			t.Fatal(err)
		}
	}
	for name, other := range map[string]string{"first": "second", "second": "first"} {
		c := wantCondition(t, ns, name, v1alpha1.ConditionReady, metav1.ConditionFalse, "MultipleVariantAutoscalings", patience)
		if !strings.Contains(c.Message, other) {
			t.Errorf("%s's message does not name %s: %q", name, other, c.Message)
		}
	}

	plain := newDeployment(ns, "plain", "", 1)
	plain.Spec.Template.Spec.NodeSelector = nil
	if err := s.client.Create(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, "plain", "other-model", "plain", "10", labels)); err != nil {
		t.Fatal(err)
	}
	c := wantCondition(t, ns, "plain", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	if !strings.Contains(c.Message, "accelerator unknown") || !strings.Contains(c.Message, "inference.optimization/acceleratorName") {
		t.Errorf("Ready message does not explain the unknown accelerator: %q", c.Message)
	}
	eventually(t, patience, func() error {
		if a := getVA(t, ns, "plain").Status.DesiredOptimizedAlloc.Accelerator; a != "unknown" {
			return fmt.Errorf("accelerator %q, want unknown", a)
		}
		return nil
	})
}
