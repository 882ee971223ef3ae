package extmetrics

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

func va(name string, replicas *int32, ready metav1.ConditionStatus) v1alpha1.VariantAutoscaling {
	v := v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team-a"}}
	v.Status.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{Accelerator: "H100", NumReplicas: replicas}
	if ready != "" {
		v.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: ready, Reason: "X"}}
	}
	return v
}

func TestDesiredReplicasServesReadyVAsWithADecisionOnly(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	vas := []v1alpha1.VariantAutoscaling{
		va("h100", ptr.To[int32](3), metav1.ConditionTrue),
		va("zero", ptr.To[int32](0), metav1.ConditionTrue),
		va("gone", ptr.To[int32](2), metav1.ConditionFalse), // DeploymentNotFound, conflicts
		va("new", nil, metav1.ConditionTrue),                // no decision yet
		va("unknown", ptr.To[int32](2), ""),                 // never reconciled
	}
	cases := []struct {
		name     string
		selector string
		instance string
		want     map[string]int64
	}{
		{"everything", "", "", map[string]int64{"h100": 3, "zero": 0}},
		{"one variant, as the documented HPA selects it", "variant_name=h100", "", map[string]int64{"h100": 3}},
		{"accelerator selector", "accelerator_type=H100,variant_name!=zero", "", map[string]int64{"h100": 3}},
		{"no match", "variant_name=other", "", map[string]int64{}},
		{"instance label present", "controller_instance=a", "a", map[string]int64{"h100": 3, "zero": 0}},
		{"other instance", "controller_instance=b", "a", map[string]int64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sel, err := labels.Parse(c.selector)
			if err != nil {
				t.Fatal(err)
			}
			got := DesiredReplicas(vas, c.instance, sel, now)
			if len(got) != len(c.want) {
				t.Fatalf("got %d values %+v, want %v", len(got), got, c.want)
			}
			for _, v := range got {
				want, ok := c.want[v.MetricLabels["variant_name"]]
				if !ok || v.Value.Value() != want {
					t.Errorf("%s = %s, want %d (present %v)", v.MetricLabels["variant_name"], v.Value.String(), want, ok)
				}
				if v.MetricName != "wva_desired_replicas" || v.MetricLabels["namespace"] != "team-a" || v.MetricLabels["accelerator_type"] != "H100" {
					t.Errorf("name/labels %s %v", v.MetricName, v.MetricLabels)
				}
				if _, has := v.MetricLabels["controller_instance"]; has != (c.instance != "") {
					t.Errorf("controller_instance label presence %v with instance %q", has, c.instance)
				}
				if !v.Timestamp.Time.Equal(now) {
					t.Errorf("timestamp %v", v.Timestamp)
				}
			}
		})
	}
}
