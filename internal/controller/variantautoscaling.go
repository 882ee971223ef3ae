package controller

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// targetIndex indexes VAs by the name of the Deployment they scale.
const targetIndex = "spec.scaleTargetRef.name"

// Trigger is the engine's doorbell.
type Trigger interface {
	Trigger(reason string)
}

// Forgetter removes a variant's emitted series.
type Forgetter interface {
	Forget(name, namespace string)
}

// VariantAutoscalingReconciler nudges the engine when a VA or its target appears, changes
// or goes, and forgets the series of deleted VAs.
type VariantAutoscalingReconciler struct {
	client  client.Reader
	engine  Trigger
	metrics Forgetter
}

// NewVariantAutoscalingReconciler returns a reconciler reading from the cache.
func NewVariantAutoscalingReconciler(c client.Reader, engine Trigger, metrics Forgetter) *VariantAutoscalingReconciler {
	return &VariantAutoscalingReconciler{client: c, engine: engine, metrics: metrics}
}

// Reconcile forgets the series of a deleted VA and asks the engine for a cycle.
func (r *VariantAutoscalingReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var va v1alpha1.VariantAutoscaling
	err := r.client.Get(ctx, req.NamespacedName, &va)
	switch {
	case apierrors.IsNotFound(err):
		r.metrics.Forget(req.Name, req.Namespace)
		log.FromContext(ctx).Info("VariantAutoscaling deleted: series removed")
	case err != nil:
		return reconcile.Result{}, fmt.Errorf("get VariantAutoscaling %s: %w", req.NamespacedName, err)
	}
	r.engine.Trigger("VariantAutoscaling " + req.String())
	return reconcile.Result{}, nil
}

// SetupWithManager registers the reconciler: VA creates, spec changes and deletes; and
// Deployment creates and deletes mapped to the VAs that target them.
func (r *VariantAutoscalingReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.VariantAutoscaling{}, targetIndex, func(o client.Object) []string {
		va, ok := o.(*v1alpha1.VariantAutoscaling)
		if !ok {
			return nil
		}
		return []string{va.Spec.ScaleTargetRef.Name}
	}); err != nil {
		return fmt.Errorf("index VariantAutoscalings by target: %w", err)
	}
	err := ctrl.NewControllerManagedBy(mgr).
		Named("variantautoscaling").
		For(&v1alpha1.VariantAutoscaling{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&appsv1.Deployment{}, handler.EnqueueRequestsFromMapFunc(r.vasForDeployment), builder.WithPredicates(createOrDelete())).
		Complete(r)
	if err != nil {
		return fmt.Errorf("set up VariantAutoscaling controller: %w", err)
	}
	return nil
}

// vasForDeployment maps a Deployment to the VAs that scale it.
func (r *VariantAutoscalingReconciler) vasForDeployment(ctx context.Context, o client.Object) []reconcile.Request {
	var vas v1alpha1.VariantAutoscalingList
	if err := r.client.List(ctx, &vas, client.InNamespace(o.GetNamespace()), client.MatchingFields{targetIndex: o.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "Cannot list VariantAutoscalings for a deployment", "deployment", o.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(vas.Items))
	for _, va := range vas.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&va)})
	}
	return reqs
}

// createOrDelete passes Deployment creations and deletions only: replica and status
// changes are the engine's periodic business, not a reason to re-decide at once.
func createOrDelete() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return true },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
