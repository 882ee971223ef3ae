package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const mainConfigMap = "workload-variant-autoscaler-variantautoscaling-config"

// patchMain changes one key of the scenario's main ConfigMap, as `kubectl edit` would.
func patchMain(t *testing.T, ns, key, value string) {
	t.Helper()
	var cm corev1.ConfigMap
	if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: mainConfigMap}, &cm); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cm.DeepCopy())
	cm.Data[key] = value
	if err := s.client.Patch(context.Background(), &cm, patch); err != nil {
		t.Fatal(err)
	}
}

// GLOBAL_OPT_INTERVAL changed in the ConfigMap → the next cycles follow it;
// PROMETHEUS_BASE_URL changed → rejected with an ImmutableConfigChangeRejected event,
// and decisions go on with the Prometheus in force.
func TestConfigMapIntervalChangeAndImmutableRejection(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "30m", "")
	patchMain(t, ns, "PROMETHEUS_BASE_URL", s.prom.URL)
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	m := startManager(t, ns, "", false) // PROMETHEUS_BASE_URL from the ConfigMap
	// A cycle logs a decision per variant: from signals, or from the safety net while
	// the new replica is not yet reporting.
	decisions := func() int { return strings.Count(m.Log(), `"msg":"Scaling decision"`) }
	cycles := func() int { return decisions() + strings.Count(m.Log(), `"msg":"Safety net activated`) }
	eventually(t, "a first cycle", time.Minute, func() error {
		if cycles() == 0 {
			return fmt.Errorf("no cycle yet")
		}
		return nil
	})

	patchMain(t, ns, "GLOBAL_OPT_INTERVAL", "2s")
	changed := time.Now()
	eventually(t, "the interval change is logged", 2*time.Minute, func() error {
		if !strings.Contains(m.Log(), "Updated optimization interval") {
			return fmt.Errorf("no 'Updated optimization interval' log line")
		}
		return nil
	})
	base := cycles()
	// At the old 30 m interval no cycle would come within the 2 minutes allowed here, so
	// four can only come from the new interval; how long they took is reported.
	eventually(t, "cycles follow the new interval", 2*time.Minute, func() error {
		if n := cycles() - base; n < 4 {
			return fmt.Errorf("%d cycles since the change, want ≥ 4 at 2s", n)
		}
		return nil
	})
	t.Logf("REACTION interval 30m → 2s: 4 cycles %.1fs after the ConfigMap change", time.Since(changed).Seconds())

	patchMain(t, ns, "PROMETHEUS_BASE_URL", "https://other-prometheus:9090")
	eventually(t, "ImmutableConfigChangeRejected event on the ConfigMap", 2*time.Minute, func() error {
		for _, r := range events(t, ns, mainConfigMap) {
			if r == "ImmutableConfigChangeRejected" {
				return nil
			}
		}
		return fmt.Errorf("events %v", events(t, ns, mainConfigMap))
	})
	if out := kubectl("get", "events", "-n", ns, "--field-selector", "reason=ImmutableConfigChangeRejected"); !strings.Contains(out, "ImmutableConfigChangeRejected") {
		t.Errorf("kubectl get events does not show it:\n%s", out)
	}
	base = decisions()
	eventually(t, "decisions from signals go on with the Prometheus in force", time.Minute, func() error {
		if decisions()-base < 2 {
			return fmt.Errorf("no decisions since the rejected change")
		}
		if d := desired(m, name); d != 1 {
			return fmt.Errorf("wva_desired_replicas %v", d)
		}
		return nil
	})
}
