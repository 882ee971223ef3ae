package engine

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// variantWithStatus is a VA (uid) whose status says desired, on a target at current.
func variantWithStatus(uid types.UID, desired, current int32, at time.Time) *inventory.Variant {
	va := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a100", UID: uid}}
	va.Status.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{NumReplicas: ptr.To(desired), LastRunTime: &metav1.Time{Time: at}}
	return &inventory.Variant{VA: va, Target: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To(current)}}}
}

// TestFlightsPreferWhatWasPublishedOverAStaleStatus protects one event and one count per
// change: once a desired count is published, a cached status that still shows the old one
// does not make it "previous" again; a VA created anew under the same name starts afresh.
func TestFlightsPreferWhatWasPublishedOverAStaleStatus(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := newFlights()
	stale := variantWithStatus("uid-1", 2, 2, t0)
	if prev, since, _ := f.observe(stale, t0); prev == nil || *prev != 2 || !since.Equal(t0) {
		t.Fatalf("first observation: previous %v since %v, want the status's 2", prev, since)
	}
	f.published(stale, 3, t0)
	prev, since, announced := f.observe(stale, t0.Add(time.Second))
	if prev == nil || *prev != 3 || !since.Equal(t0) {
		t.Fatalf("after publishing 3 the stale status (2) won: previous %v since %v", prev, since)
	}
	if announced == nil || *announced != 3 {
		t.Fatalf("after publishing 3 the change would be announced again: announced %d", deref(announced))
	}
	recreated := variantWithStatus("uid-2", 7, 2, t0)
	if prev, _, _ := f.observe(recreated, t0.Add(2*time.Second)); prev == nil || *prev != 7 {
		t.Fatalf("a new VA of the same name inherited the old memory: %v", prev)
	}
	f.retain(map[types.UID]bool{"uid-2": true})
	if _, ok := f.m["uid-1"]; ok {
		t.Error("a VA that is gone is still remembered")
	}
}

// TestANewLeaderDoesNotUndoAScaleWhoseStatusNeverLanded: in direct mode a leader writes
// the target's replicas, then the status. Killed between the two, it leaves a status
// whose decision (applied, 1) is older than the target (2). Its successor has no memory
// and reads the status: taking the 1 as a change still in flight would scale the target
// back to 1 and up again. A status whose decision was applied directly and that the
// target has moved away from holds nothing in flight; one not applied (metrics mode: the
// HPA has yet to act) still does.
func TestANewLeaderDoesNotUndoAScaleWhoseStatusNeverLanded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	applied := variantWithStatus("uid-direct", 1, 2, t0)
	applied.VA.Status.Actuation.Applied = true
	if prev, _, _ := newFlights().observe(applied, t0.Add(time.Second)); prev == nil || *prev != 2 {
		t.Errorf("direct mode, status applied 1, target at 2: previous desired %v, want the target's 2 (nothing in flight)", deref(prev))
	}
	waiting := variantWithStatus("uid-metrics", 2, 1, t0)
	if prev, _, _ := newFlights().observe(waiting, t0.Add(time.Second)); prev == nil || *prev != 2 {
		t.Errorf("metrics mode, status 2 not applied, target at 1: previous desired %v, want 2 (in flight for the HPA)", deref(prev))
	}
}

// deref is *p, or -1 for nil.
func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// TestAScaleWhoseStatusWriteFailedIsNotUndone: the target was asked for 3 (the Deployment
// scaled directly, or wva_desired_replicas published to the HPA), then the status write
// failed (the API server restarting between the two). The next cycle must follow the 3
// the target was asked for: taking the last status (2) as the change in flight would ask
// for 2 again and scale the target back down. The change is still announced once, from
// the last desired whose status landed.
func TestAScaleWhoseStatusWriteFailedIsNotUndone(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := newFlights()
	v := variantWithStatus("uid-1", 2, 2, t0)
	f.observe(v, t0)
	f.published(v, 2, t0)
	f.asked(v, 3, t0.Add(time.Second)) // the target is asked for 3; the status write fails
	scaled := variantWithStatus("uid-1", 2, 3, t0)
	prev, _, announced := f.observe(scaled, t0.Add(2*time.Second))
	if prev == nil || *prev != 3 {
		t.Errorf("after asking the target for 3 (status write failed): previous desired %d, want 3", deref(prev))
	}
	if announced == nil || *announced != 2 {
		t.Errorf("the change to 3 was never announced: announced %d, want 2 (so that 3 counts as a change)", deref(announced))
	}
}

// TestTheSafetyNetHoldsWhatTheTargetWasAskedFor covers a decision that failed in the cycle
// right after a scale whose status write failed: the target was asked for 3, the last
// count announced is 2. The safety net must hold the 3 the target has; holding the
// announced 2 would scale it back down, the flap the asked count exists to prevent.
func TestTheSafetyNetHoldsWhatTheTargetWasAskedFor(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := variantWithStatus("uid-1", 2, 3, t0)
	m := &inventory.Model{Namespace: "ns", ModelID: "m", Variants: []*inventory.Variant{v}}
	previous := map[types.UID]prior{"uid-1": {asked: ptr.To(3), announced: ptr.To(2)}}
	d, err := decision.Decide(safetyNetSnapshot(m, previous, t0.Add(time.Minute)))
	if err != nil {
		t.Fatalf("safety net: %v", err)
	}
	if !d.SafetyNet || len(d.Variants) != 1 {
		t.Fatalf("want one safety-net variant decision, got %+v", d)
	}
	if got := d.Variants[0].DesiredReplicas; got != 3 {
		t.Errorf("safety net desired %d after the target was asked for 3 (announced 2), want 3: %s", got, d.Variants[0].Reason)
	}
}
