package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/types"
)

// Scale to zero through the HPA: a model with no traffic during the retention period
// (30 s here, from model-scale-to-zero-config) gets wva_desired_replicas 0, and the
// documented HPA with minReplicas 0 (HPAScaleToZero) takes the Deployment to zero.
func TestScaleToZeroThroughHPA(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "5s", "enable_scale_to_zero: true\nretention_period: 30s\n")
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	createHPA(t, ns, name, 0, 20)
	m := startManager(t, ns, s.prom.URL, true)
	eventually(t, "WVA decides zero for the idle model", 3*time.Minute, func() error {
		if d := desired(m, name); d != 0 {
			return fmt.Errorf("wva_desired_replicas %v", d)
		}
		return nil
	})
	eventually(t, "the HPA takes the Deployment to zero", 3*time.Minute, func() error {
		spec, _, err := replicas(t, ns, name)
		if err != nil || spec != 0 {
			var h autoscalingv2.HorizontalPodAutoscaler
			_ = s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &h)
			return fmt.Errorf("spec %d (%v); HPA current metrics %+v desired %d", spec, err, h.Status.CurrentMetrics, h.Status.DesiredReplicas)
		}
		return nil
	})
}
