package e2e

import (
	"context"
	"fmt"
	"github.com/workload-variant-autoscaler/wva/test/harness"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// poll is how often conditions are checked.
const poll = 500 * time.Millisecond

// eventually polls cond until it returns nil, failing the test after timeout.
func eventually(t *testing.T, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(poll)
	}
}

// consistently checks cond for the whole period: for asserting that something does NOT
// happen while a condition (an outage, a retention period) lasts.
func consistently(t *testing.T, what string, period time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(period)
	for time.Now().Before(deadline) {
		if err := cond(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(poll)
	}
}

func httpGet(url string) (string, error) { return harness.HTTPGet(url) }

func freePort(t *testing.T) int { return harness.FreePort(t) }

func tailLines(s string, n int) string { return harness.TailLines(s, n) }

// replicas returns a Deployment's spec replicas and ready replicas.
func replicas(t *testing.T, ns, name string) (spec, ready int32, err error) {
	t.Helper()
	var d appsv1.Deployment
	if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &d); err != nil {
		return 0, 0, err
	}
	if d.Spec.Replicas != nil {
		spec = *d.Spec.Replicas
	}
	return spec, d.Status.ReadyReplicas, nil
}

// va returns a VariantAutoscaling.
func va(ns, name string) (*v1alpha1.VariantAutoscaling, error) {
	var v v1alpha1.VariantAutoscaling
	err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &v)
	return &v, err
}

// condition returns a VA condition's status and reason, "" when absent.
func condition(v *v1alpha1.VariantAutoscaling, kind string) (string, string) {
	for _, c := range v.Status.Conditions {
		if c.Type == kind {
			return string(c.Status), c.Reason
		}
	}
	return "", ""
}

// gauge returns the value of a WVA gauge for a variant from /metrics text, or -1.
func gauge(metrics, name, variant string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{[^}]*variant_name="` + regexp.QuoteMeta(variant) + `"[^}]*\} (\S+)$`)
	m := re.FindStringSubmatch(metrics)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return v
}

// desired reads wva_desired_replicas of a variant from the manager's /metrics.
func desired(m *harness.Manager, variant string) float64 {
	text, err := m.Metrics()
	if err != nil {
		return -1
	}
	return gauge(text, "wva_desired_replicas", variant)
}

// events lists the reasons of the events in a namespace about an object.
func events(t *testing.T, ns, object string) []string {
	t.Helper()
	var evs corev1.EventList
	if err := s.client.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs.Items {
		if object == "" || e.InvolvedObject.Name == object {
			out = append(out, e.Reason)
		}
	}
	return out
}

// kubectl runs kubectl against the environment as admin.
func kubectl(args ...string) string {
	out, err := exec.Command(s.env.BinDir+"/kubectl", append([]string{"--kubeconfig", s.env.Kubeconfig}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("kubectl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// dumpOnFailure prints, when the test fails, what a user would look at: the namespace's
// Deployments, Pods, HPAs, VAs and events.
func dumpOnFailure(t *testing.T, ns string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		t.Logf("===== kubectl get deploy,pods,hpa,va -n %s =====\n%s", ns, kubectl("get", "deploy,pods,hpa,va", "-n", ns, "-o", "wide"))
		t.Logf("===== kubectl get events -n %s =====\n%s", ns, tailLines(kubectl("get", "events", "-n", ns, "--sort-by=.lastTimestamp"), 40))
		t.Logf("===== kubectl get va -n %s -o yaml =====\n%s", ns, tailLines(kubectl("get", "va", "-n", ns, "-o", "yaml"), 80))
	})
}
