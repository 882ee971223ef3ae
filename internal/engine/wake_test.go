package engine

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// The fast path watches a model only while every variant was decided to zero, forgets it
// once woken or gone, and tells a cycle whose snapshot predates a wake-up to stand aside.
func TestZeroSetWatchesOnlyModelsDecidedToZero(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &inventory.Model{Namespace: "ns", ModelID: "m", Pools: []string{"pool"}, Variants: []*inventory.Variant{
		{VA: &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, Target: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}},
		{VA: &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "b"}}}, // target gone: not watched
	}}
	key := ModelKey{Namespace: "ns", ModelID: "m"}
	z := newZeroSet()
	z.note(m, decision.Decision{Variants: []decision.VariantDecision{{Name: "a", DesiredReplicas: 1}}})
	if len(z.list()) != 0 {
		t.Fatal("a model with a replica desired is watched")
	}
	z.note(m, decision.Decision{Variants: []decision.VariantDecision{{Name: "a"}, {Name: "b"}}})
	w := z.list()
	if len(w) != 1 || w[0].key != key || len(w[0].targets) != 1 || w[0].targets[0].Name != "a" || w[0].pools[0] != "pool" {
		t.Fatalf("watched %+v, want model m with target a and its pool", w)
	}
	z.markWoken(key, t0)
	if len(z.list()) != 0 || !z.wokenSince(key, t0) || z.wokenSince(key, t0.Add(time.Nanosecond)) {
		t.Fatal("a woken model is still watched, or the wake-up time is wrong")
	}
	z.note(m, decision.Decision{Variants: []decision.VariantDecision{{Name: "a"}}})
	z.retain(map[ModelKey]bool{})
	if len(z.list()) != 0 || z.wokenSince(key, t0) {
		t.Fatal("a model gone from the cycle is still remembered")
	}
}
