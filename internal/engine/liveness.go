package engine

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
)

// CacheLiveness tells the actuator whether a variant's VA and target still exist, from
// the informer cache reader: the same VA (by UID), not being deleted, and its target
// Deployment. The reconciler forgets a deleted VA's series once this cache shows the
// deletion, so a cycle that asks after that never publishes them again.
func CacheLiveness(reader client.Reader) actuator.Liveness {
	return func(v actuator.Variant) bool {
		ctx := context.Background() // an in-memory cache read, which does not block
		var va v1alpha1.VariantAutoscaling
		if err := reader.Get(ctx, types.NamespacedName{Namespace: v.Namespace, Name: v.Name}, &va); err != nil {
			return false
		}
		if va.UID != v.UID || va.DeletionTimestamp != nil {
			return false
		}
		var d appsv1.Deployment
		return reader.Get(ctx, types.NamespacedName{Namespace: v.Namespace, Name: v.Target}, &d) == nil && d.DeletionTimestamp == nil
	}
}
