package extmetrics

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	externalv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
)

// MetricDesiredReplicas is the one external metric served: the same name, labels and value
// as the wva_desired_replicas gauge on /metrics, so an HPA written for the
// prometheus-adapter path works unchanged.
const MetricDesiredReplicas = actuator.MetricDesiredReplicas

// DesiredReplicas returns the wva_desired_replicas values of the given VAs whose labels
// match sel, stamped now. A VA has a value while WVA acts on it: Ready is True and a
// desired replica count is recorded. A VA whose target is gone, conflicts with another or
// has no decision yet has none, so the HPA holds its replicas rather than act on a stale
// number. instance, when not empty, is the controller_instance label.
func DesiredReplicas(vas []v1alpha1.VariantAutoscaling, instance string, sel labels.Selector, now time.Time) []externalv1beta1.ExternalMetricValue {
	out := []externalv1beta1.ExternalMetricValue{}
	for i := range vas {
		va := &vas[i]
		alloc := va.Status.DesiredOptimizedAlloc
		if alloc.NumReplicas == nil || !meta.IsStatusConditionTrue(va.Status.Conditions, v1alpha1.ConditionReady) {
			continue
		}
		lbls := map[string]string{
			actuator.LabelVariant:     va.Name,
			actuator.LabelNamespace:   va.Namespace,
			actuator.LabelAccelerator: alloc.Accelerator,
		}
		if instance != "" {
			lbls[actuator.LabelInstance] = instance
		}
		if !sel.Matches(labels.Set(lbls)) {
			continue
		}
		out = append(out, externalv1beta1.ExternalMetricValue{
			MetricName:   MetricDesiredReplicas,
			MetricLabels: lbls,
			Timestamp:    metav1.NewTime(now),
			Value:        *resource.NewQuantity(int64(*alloc.NumReplicas), resource.DecimalSI),
		})
	}
	return out
}
