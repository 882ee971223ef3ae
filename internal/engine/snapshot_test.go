package engine

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/collector"
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

// TestNotReadyReplicasAreNeverCapacity: a NotReady (crash-looping) Pod that still answers
// with idle signals would lower the model's load per replica and invite a scale-down; its
// samples stay out and it counts as pending, so the one Ready replica is never judged to
// have a spare sibling.
func TestNotReadyReplicasAreNeverCapacity(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &inventory.Model{Namespace: "ns", ModelID: "llama", Variants: []*inventory.Variant{
		{VA: &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a100"}}, Cost: 5,
			Target: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3)}},
			Pods:   []*corev1.Pod{readyPod("a-0", true), readyPod("a-1", false), readyPod("a-2", false)}},
	}}
	sig := ModelSignals{Status: decision.SignalStatus{Usable: true}, Replicas: []decision.ReplicaSignals{
		{Variant: "a100", Pod: "a-0", KvCacheUsage: 0.3, Running: 10, SampleTime: now},
		{Variant: "a100", Pod: "a-1", SampleTime: now}, // NotReady, idle
		{Variant: "a100", Pod: "a-2", SampleTime: now}, // NotReady, idle
	}}
	s := Snapshot(m, sig, decision.DefaultSaturationConfig(), decision.ZeroConfig{}, now)
	if len(s.Replicas) != 1 || s.Replicas[0].Pod != "a-0" || s.Variants[0].ReadyReplicas != 1 {
		t.Fatalf("replicas %+v, ready %d: want only a-0 as capacity", s.Replicas, s.Variants[0].ReadyReplicas)
	}
	d, err := decision.Decide(s)
	if err != nil {
		t.Fatal(err)
	}
	if d.Variants[0].DesiredReplicas < 3 {
		t.Fatalf("desired %d (%s): the NotReady replicas were taken for spare capacity", d.Variants[0].DesiredReplicas, d.Variants[0].Reason)
	}
}

// TestZeroPolicyReadsModelSuccessesOfGonePods protects a model after a rolling restart:
// the collector's model-level success count (Pods gone included) reaches the core, so a
// model that served requests within its retention period does not go to zero.
func TestZeroPolicyReadsModelSuccessesOfGonePods(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a100"}}
	m := &inventory.Model{Namespace: "ns", ModelID: "llama", Variants: []*inventory.Variant{
		{VA: v, Target: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)}}, Cost: 5,
			Pods: []*corev1.Pod{readyPod("new-0", true)}},
	}}
	answer := collector.ModelSignals{Namespace: "ns", ModelID: "llama", Health: collector.Health{Usable: true},
		SuccessWindow: 10 * time.Minute, ModelSuccesses: 40, // served by the Pods the restart replaced
		Variants: []collector.VariantSignals{{Name: "a100", Health: collector.Health{Usable: true},
			Replicas: []collector.ReplicaSignals{{Pod: "new-0", SuccessKnown: true, SampleTime: now}}}}}
	zero := decision.ZeroConfig{Enabled: true, RetentionPeriod: 10 * time.Minute}
	d, err := decision.Decide(Snapshot(m, convert(answer), decision.DefaultSaturationConfig(), zero, now))
	if err != nil {
		t.Fatal(err)
	}
	if d.Analysis.Analyzer == decision.AnalyzerScaleToZero || d.Variants[0].DesiredReplicas == 0 {
		t.Fatalf("model that served 40 requests on replaced Pods went to zero: %s", d.Analysis.ZeroPolicy)
	}
}

// TestSnapshotCarriesAutoscalerBounds protects the clamp: the bounds of the HPA or
// ScaledObject on a variant's target reach the core as plain data.
func TestSnapshotCarriesAutoscalerBounds(t *testing.T) {
	v := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a100"}}
	m := &inventory.Model{Namespace: "ns", ModelID: "llama", Variants: []*inventory.Variant{
		{VA: v, Target: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)}},
			Scaler: &inventory.Scaler{Kind: inventory.KindHPA, Name: "a100-hpa", MinReplicas: 1, MaxReplicas: 10}},
	}}
	s := Snapshot(m, ModelSignals{}, decision.DefaultSaturationConfig(), decision.ZeroConfig{}, time.Time{})
	want := decision.ScalerBounds{Kind: inventory.KindHPA, Name: "a100-hpa", MinReplicas: 1, MaxReplicas: 10}
	if got := s.Variants[0].Scaler; got == nil || *got != want {
		t.Fatalf("scaler = %+v, want %+v", got, want)
	}
}

// TestReplicas32ClampsAtTheAPIBoundary protects the int32 fields of the API from counts
// that would wrap around.
func TestReplicas32ClampsAtTheAPIBoundary(t *testing.T) {
	for in, want := range map[int]int32{-3: 0, 0: 0, 7: 7, 1 << 40: 1<<31 - 1} {
		if got := replicas32(in); got != want {
			t.Errorf("replicas32(%d) = %d, want %d", in, got, want)
		}
	}
}

// TestLeavingReplicasReachTheCore: the target asks for 2 but 3 Pods are still Ready (the
// ReplicaSet has not removed one yet); the core learns that one is leaving and holds
// further scale-downs, though the leaving replica's samples still arrive.
func TestLeavingReplicasReachTheCore(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &inventory.Model{Namespace: "ns", ModelID: "llama", Variants: []*inventory.Variant{
		{VA: &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a100"}}, Cost: 5,
			Target: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}},
			Pods:   []*corev1.Pod{readyPod("a-0", true), readyPod("a-1", true), readyPod("a-2", true)}},
	}}
	var rs []decision.ReplicaSignals
	for _, p := range []string{"a-0", "a-1", "a-2"} {
		rs = append(rs, decision.ReplicaSignals{Variant: "a100", Pod: p, KvCacheUsage: 0.05, SampleTime: now})
	}
	s := Snapshot(m, ModelSignals{Status: decision.SignalStatus{Usable: true}, Replicas: rs}, decision.DefaultSaturationConfig(), decision.ZeroConfig{}, now)
	if v := s.Variants[0]; v.Leaving != 1 || v.ReadyReplicas != 2 || v.CurrentReplicas != 2 {
		t.Fatalf("variant %+v: want current 2, ready 2, leaving 1", v)
	}
	d, err := decision.Decide(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Variants[0].DesiredReplicas; got != 2 {
		t.Fatalf("desired %d (%s): a second scale-down on the leaving replica's samples", got, d.Variants[0].Reason)
	}
}
