package e2e

import (
	"fmt"
	"testing"
	"time"
)

// Two variants of one model with different variantCost, each behind the documented HPA.
// Load is already on when WVA starts (every replica has had requests waiting, as
// Prometheus shows), so its first decisions are under pressure: the
// replica it adds goes to the cheaper variant (A100, cost 10) while the dearer (H100,
// cost 30) keeps its two. When the load stops, the first replica it removes is the
// dearer's.
func TestCheaperVariantScalesUpAndDearerScalesDown(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const cheap, dear = "llama-a100", "llama-h100"
	configMaps(t, ns, "5s", "")
	createDeployment(t, ns, cheap, a100, 1)
	createDeployment(t, ns, dear, h100, 2)
	createVA(t, ns, cheap, "A100", "10.0")
	createVA(t, ns, dear, "H100", "30.0")
	createHPA(t, ns, cheap, 1, 20)
	createHPA(t, ns, dear, 1, 20)
	url, gw := startGateway(t, ns)
	eventually(t, "all three replicas Ready", 3*time.Minute, func() error {
		_, rc, err1 := replicas(t, ns, cheap)
		_, rd, err2 := replicas(t, ns, dear)
		if err1 != nil || err2 != nil || rc != 1 || rd != 2 {
			return fmt.Errorf("ready %s=%d %s=%d", cheap, rc, dear, rd)
		}
		return nil
	})
	l := startLoad(t, url, 3.0)
	// WVA's scale-up trigger (queueSpareTrigger 3 of queueLengthThreshold 5) is an average
	// peak queue above 2 over the unsaturated replicas: wait until every replica has had 3.
	busy := fmt.Sprintf(`count(max by (pod) (max_over_time(vllm:num_requests_waiting{namespace=%q}[1m])) >= 3)`, ns)
	eventually(t, "all three replicas under pressure", 3*time.Minute, func() error {
		n, err := promValue(s.prom.URL, busy)
		if err != nil || n < 3 {
			return fmt.Errorf("%v replicas with 3 waiting requests (%v); answered per replica %v", n, err, gw.Answered())
		}
		return nil
	})

	m := startManager(t, ns, s.prom.URL, true)
	// Under sustained pressure WVA adds to the cheapest variant without a pending replica,
	// so the dearer may follow a cycle later; what matters is which comes first, as the
	// decision log shows it.
	eventually(t, "a scale-up", 4*time.Minute, func() error {
		d, ok := firstChange(m, 0, "up")
		if !ok {
			return fmt.Errorf("no scale-up yet; wva_desired_replicas %s=%v %s=%v", cheap, desired(m, cheap), dear, desired(m, dear))
		}
		if d.Variant != cheap {
			t.Fatalf("the first scale-up went to %s: %+v", d.Variant, d)
		}
		return nil
	})
	eventually(t, "the cheaper variant's new replica is Ready", 4*time.Minute, func() error {
		spec, ready, err := replicas(t, ns, cheap)
		if err != nil || spec < 2 || ready < 2 {
			return fmt.Errorf("%s spec %d ready %d (%v)", cheap, spec, ready, err)
		}
		return nil
	})
	l.stop()
	stopped := logLines(m)

	if dd := desired(m, dear); dd < 2 {
		t.Fatalf("the dearer variant has desired %v when the load stops; the scale-down order cannot be seen", dd)
	}
	eventually(t, "scale-down starts with the dearer variant", 4*time.Minute, func() error {
		d, ok := firstChange(m, stopped, "down")
		if !ok {
			return fmt.Errorf("no scale-down yet; wva_desired_replicas %s=%v %s=%v", cheap, desired(m, cheap), dear, desired(m, dear))
		}
		if d.Variant != dear {
			t.Fatalf("the first scale-down went to %s: %+v", d.Variant, d)
		}
		return nil
	})
	eventually(t, "both variants back to one replica through their HPAs", 4*time.Minute, func() error {
		sc, _, _ := replicas(t, ns, cheap)
		sd, _, _ := replicas(t, ns, dear)
		if sc != 1 || sd != 1 {
			return fmt.Errorf("spec %s=%d %s=%d", cheap, sc, dear, sd)
		}
		return nil
	})
}
