package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// externalMetric reads wva_desired_replicas for a namespace through the aggregated
// external metrics API, as the HPA controller (and `kubectl get --raw`) does.
func externalMetric(ns string) (string, error) {
	body, err := s.cs.Discovery().RESTClient().Get().
		AbsPath("/apis/external.metrics.k8s.io/v1beta1/namespaces/" + ns + "/wva_desired_replicas").DoRaw(context.Background())
	return string(body), err
}

// Load rises → WVA's desired rises → the HPA (the documented one, through
// prometheus-adapter) scales the Deployment → new replicas become Ready and take load;
// load falls → once the load has left WVA's peak window (loadPeakWindow), the HPA scales
// down after its stabilisation window (20 s here, 120 s recommended in production). The
// reaction times are logged.
func TestLoadRiseScalesUpThroughHPAAndDownAfterWindow(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "5s", "")
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	createHPA(t, ns, name, 1, 20)
	m := startManager(t, ns, s.prom.URL, true, "METRICS_PEAK_WINDOW="+loadPeakWindow.String())
	url, gw := startGateway(t, ns)

	eventually(t, "one Ready replica and desired 1", 3*time.Minute, func() error {
		_, ready, err := replicas(t, ns, name)
		if err != nil || ready != 1 {
			return fmt.Errorf("ready %d (%v)", ready, err)
		}
		if d := desired(m, name); d != 1 {
			return fmt.Errorf("wva_desired_replicas %v", d)
		}
		return nil
	})
	eventually(t, "external metric served by the adapter", 2*time.Minute, func() error {
		body, err := externalMetric(ns)
		if err != nil || !strings.Contains(body, `"variant_name":"`+name+`"`) {
			return fmt.Errorf("%v: %s", err, body)
		}
		return nil
	})

	step := time.Now()
	l := startLoad(t, url, 1.0)
	var toDesired, toReady time.Duration
	eventually(t, "desired rises", 4*time.Minute, func() error {
		if d := desired(m, name); d < 2 {
			return fmt.Errorf("wva_desired_replicas %v", d)
		}
		toDesired = time.Since(step)
		return nil
	})
	eventually(t, "the HPA scales up and new replicas become Ready", 4*time.Minute, func() error {
		spec, ready, err := replicas(t, ns, name)
		if err != nil || spec < 2 || ready < 2 {
			return fmt.Errorf("spec %d ready %d (%v)", spec, ready, err)
		}
		toReady = time.Since(step)
		return nil
	})
	t.Logf("REACTION load step → wva_desired_replicas ≥ 2: %.1fs; → ≥ 2 Ready replicas: %.1fs", toDesired.Seconds(), toReady.Seconds())
	eventually(t, "the new replicas share the load", 2*time.Minute, func() error {
		routed := gw.Answered()
		busy := 0
		for _, n := range routed {
			if n > 0 {
				busy++
			}
		}
		if busy < 2 {
			return fmt.Errorf("requests answered per replica %v", routed)
		}
		return nil
	})
	// And finish them: Prometheus sees successful requests on at least two Pods.
	served := fmt.Sprintf(`count(sum by (pod) (vllm:request_success_total{namespace=%q}) > 0)`, ns)
	eventually(t, "requests complete on two replicas or more", 3*time.Minute, func() error {
		if n, err := promValue(s.prom.URL, served); err != nil || n < 2 {
			return fmt.Errorf("%v Pods with successful requests (%v)", n, err)
		}
		return nil
	})
	v, err := va(ns, name)
	if err != nil || v.Status.DesiredOptimizedAlloc.NumReplicas == nil || *v.Status.DesiredOptimizedAlloc.NumReplicas < 2 {
		t.Errorf("VA status desiredOptimizedAlloc %+v (%v), want ≥ 2 replicas", v.Status.DesiredOptimizedAlloc, err)
	}

	sum := l.stop()
	t.Logf("load: %d sent, %d succeeded, %d cut when the load stopped or failed %v", sum.Requests, sum.Succeeded, sum.Failed, sum.Errors)
	stopped := time.Now()
	eventually(t, "scale down to 1 after the load stops", 5*time.Minute, func() error {
		spec, _, err := replicas(t, ns, name)
		if err != nil || spec != 1 {
			return fmt.Errorf("spec %d (%v), wva_desired_replicas %v", spec, err, desired(m, name))
		}
		return nil
	})
	t.Logf("REACTION load stop → 1 replica: %.1fs (%s peak window of the saturation signals + 20s HPA stabilisation + cycles)", time.Since(stopped).Seconds(), loadPeakWindow)
}
