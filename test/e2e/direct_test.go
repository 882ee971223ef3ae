package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ACTUATION_MODE=direct: WVA scales the Deployment through its scale subresource, with
// no HPA in the namespace; up under load, down when it stops (once the load has left the
// peak window, loadPeakWindow).
func TestDirectActuationScalesWithoutHPA(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "5s", "")
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	m := startManager(t, ns, s.prom.URL, false, "ACTUATION_MODE=direct", "METRICS_PEAK_WINDOW="+loadPeakWindow.String())
	url, gw := startGateway(t, ns)
	eventually(t, "one Ready replica and desired 1", 3*time.Minute, func() error {
		_, ready, err := replicas(t, ns, name)
		if err != nil || ready != 1 || desired(m, name) != 1 {
			return fmt.Errorf("ready %d desired %v (%v)", ready, desired(m, name), err)
		}
		return nil
	})

	step := time.Now()
	l := startLoad(t, url, 1.0)
	eventually(t, "WVA scales the Deployment up itself", 4*time.Minute, func() error {
		spec, ready, err := replicas(t, ns, name)
		if err != nil || spec < 2 || ready < 2 {
			return fmt.Errorf("spec %d ready %d (%v)", spec, ready, err)
		}
		return nil
	})
	t.Logf("REACTION (direct) load step → ≥ 2 Ready replicas: %.1fs", time.Since(step).Seconds())
	eventually(t, "the new replicas share the load", 2*time.Minute, func() error {
		busy := 0
		for _, n := range gw.Answered() {
			if n > 0 {
				busy++
			}
		}
		if busy < 2 {
			return fmt.Errorf("requests answered per replica %v", gw.Answered())
		}
		return nil
	})
	l.stop()
	eventually(t, "WVA scales down when the load stops", 4*time.Minute, func() error {
		spec, _, err := replicas(t, ns, name)
		if err != nil || spec != 1 {
			return fmt.Errorf("spec %d (%v)", spec, err)
		}
		return nil
	})
	var hpas autoscalingv2.HorizontalPodAutoscalerList
	if err := s.client.List(context.Background(), &hpas, client.InNamespace(ns)); err != nil || len(hpas.Items) != 0 {
		t.Errorf("HPAs in the namespace: %d (%v), want none", len(hpas.Items), err)
	}
}
