package engine

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

func readyPod(name string, ready bool) *corev1.Pod {
	s := corev1.ConditionFalse
	if ready {
		s = corev1.ConditionTrue
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: s}}}}
}

func TestSnapshotTakesActionableVariantsAndTheirSignalsOnly(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	withDesired := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "h100"}}
	withDesired.Status.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{NumReplicas: ptr.To[int32](4), LastRunTime: &metav1.Time{Time: now}}
	neverDecided := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a100"}}
	neverDecided.Status.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{NumReplicas: ptr.To[int32](9)} // no lastRunTime: not a decision
	m := &inventory.Model{Namespace: "ns", ModelID: "llama", Variants: []*inventory.Variant{
		{VA: neverDecided, Target: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)}}, Cost: 5, Accelerator: "A100",
			Pods: []*corev1.Pod{readyPod("a-0", true), readyPod("a-1", true)}}, // a surplus pod terminating: ready capped at current
		{VA: withDesired, Target: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3)}}, Cost: 20, Accelerator: "H100", GPUsPerReplica: 2,
			Pods: []*corev1.Pod{readyPod("h-0", true), readyPod("h-1", false)}},
		{VA: &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "gone"}}}, // no target
	}}
	sig := ModelSignals{
		Status: decision.SignalStatus{Usable: true},
		Replicas: []decision.ReplicaSignals{
			{Variant: "h100", Pod: "h-0", KvCacheUsage: 0.5},
			{Variant: "gone", Pod: "g-0", KvCacheUsage: 0.9},
		},
		SuccessWindow: 10 * time.Minute,
	}
	s := Snapshot(m, sig, decision.DefaultSaturationConfig(), decision.ZeroConfig{}, now)
	if len(s.Variants) != 2 || s.Variants[0].Name != "a100" || s.Variants[1].Name != "h100" {
		t.Fatalf("variants = %+v", s.Variants)
	}
	a, h := s.Variants[0], s.Variants[1]
	if a.PreviousDesired != nil || a.ReadyReplicas != 1 || a.CurrentReplicas != 1 || a.Cost != 5 {
		t.Errorf("a100 = %+v", a)
	}
	if h.PreviousDesired == nil || *h.PreviousDesired != 4 || h.ReadyReplicas != 1 || h.CurrentReplicas != 3 || h.GPUsPerReplica != 2 {
		t.Errorf("h100 = %+v", h)
	}
	if len(s.Replicas) != 1 || s.Replicas[0].Pod != "h-0" {
		t.Errorf("replicas = %+v, want only h-0", s.Replicas)
	}
	if !s.Now.Equal(now) || s.SuccessWindow != 10*time.Minute || s.ModelID != "llama" || s.Namespace != "ns" {
		t.Errorf("snapshot = %+v", s)
	}
}
