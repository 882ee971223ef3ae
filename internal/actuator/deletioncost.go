package actuator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Annotations of drain-aware scale-down.
const (
	// DeletionCostAnnotation is read by the ReplicaSet controller: of two Pods alike in
	// phase and readiness, the one with the lower cost is deleted first (default 0).
	DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"
	// MarkAnnotation records the cost WVA set, so that WVA changes and removes only its
	// own marks, never a cost someone else chose.
	MarkAnnotation = "wva.llmd.ai/pod-deletion-cost"
)

// DeletionCosts marks the replicas a scale-down should remove first. It patches only the
// annotations of Pods whose mark changes, so a variant that is not scaling down costs no
// write, and needs only the pods/patch permission.
type DeletionCosts struct {
	client client.Client
}

// NewDeletionCosts returns a DeletionCosts writing through c.
func NewDeletionCosts(c client.Client) *DeletionCosts { return &DeletionCosts{client: c} }

// Mark gives the Pods named in first (least work first) the lowest deletion costs, -n for
// the first of n up to -1 for the last, and removes WVA's mark from every other Pod of
// pods. An empty first (no scale-down) clears the marks. It returns how many Pods it
// patched; every Pod is tried, and the errors are joined.
func (d *DeletionCosts) Mark(ctx context.Context, pods []*corev1.Pod, first []string) (int, error) {
	want := make(map[string]string, len(first))
	for i, name := range first {
		want[name] = strconv.Itoa(i - len(first))
	}
	patched := 0
	var errs []error
	for _, p := range pods {
		cost, marked := want[p.Name]
		current, ours := p.Annotations[MarkAnnotation]
		switch {
		case marked && (!ours || current != cost || p.Annotations[DeletionCostAnnotation] != cost):
		case !marked && ours:
		default:
			continue
		}
		if err := d.patch(ctx, p, cost, marked); err != nil {
			errs = append(errs, err)
			continue
		}
		patched++
	}
	return patched, errors.Join(errs...)
}

// patch sets (or, when !set, removes) both annotations with a JSON merge patch, which
// touches nothing else of the Pod.
func (d *DeletionCosts) patch(ctx context.Context, p *corev1.Pod, cost string, set bool) error {
	var value any // nil removes the annotation
	if set {
		value = cost
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{
		DeletionCostAnnotation: value, MarkAnnotation: value,
	}}})
	if err != nil {
		return fmt.Errorf("encode the deletion cost patch: %w", err)
	}
	target := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name}} // the cached Pod stays untouched
	if err := d.client.Patch(ctx, target, client.RawPatch(types.MergePatchType, body)); err != nil {
		return fmt.Errorf("set the deletion cost of pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	return nil
}
