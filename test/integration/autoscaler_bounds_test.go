package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// An HPA with maxReplicas 1 on the cheap variant bounds WVA's desired count: with every
// replica saturated WVA never publishes more than 1 for it (a count the HPA would never
// reach, leaving the change in flight for ever), says so in the Ready condition, and gives
// the scale-up to the dearer variant, which has room.
func TestHPAMaxReplicasBoundsDesired(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "llama-a100"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "llama-a100"},
			MinReplicas:    ptr.To[int32](1), MaxReplicas: 1,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "wva_desired_replicas"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("1"))},
			}}},
		},
	}
	if err := s.client.Create(ctx, hpa); err != nil {
		t.Fatal(err)
	}
	startManager(t, "hpa-bounds", "GLOBAL_OPT_INTERVAL=3s")
	twoVariants(t, ns, nil)
	loadAll(t, ns, 0.95, 8)
	wantDesired(t, ns, "llama-h100", 2, time.Minute)
	if got, _ := desired(t, ns, "llama-a100"); got != 1 {
		t.Fatalf("llama-a100 desired %d above its HPA's maxReplicas 1", got)
	}
	eventually(t, 20*time.Second, func() error {
		c, err := condition(getVA(t, ns, "llama-a100"), v1alpha1.ConditionReady)
		if err != nil {
			return err
		}
		if !strings.Contains(c.Message, "HorizontalPodAutoscaler llama-a100 maxReplicas 1") {
			return fmt.Errorf("Ready message %q does not name the HPA bound", c.Message)
		}
		return nil
	})
}
