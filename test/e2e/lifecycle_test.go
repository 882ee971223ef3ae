package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// The guide's lifecycle, as kubectl and /metrics show it: a VA created before its
// Deployment is Ready=False/DeploymentNotFound; the Deployment's creation makes it
// Ready and exported; deleting the Deployment reports it gone and removes the series;
// recreating it recovers.
func TestVABeforeDeploymentAndDeploymentRecreated(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "5s", "")
	m := startManager(t, ns, s.prom.URL, false)
	createVA(t, ns, name, "H100", "20.0")

	wantReady := func(status, reason string) {
		t.Helper()
		eventually(t, "VA Ready="+status+"/"+reason, time.Minute, func() error {
			v, err := va(ns, name)
			if err != nil {
				return err
			}
			if st, r := condition(v, v1alpha1.ConditionReady); st != status || r != reason {
				return fmt.Errorf("Ready=%s/%s", st, r)
			}
			return nil
		})
	}
	series := func(want bool) {
		t.Helper()
		eventually(t, fmt.Sprintf("wva_desired_replicas series present=%v", want), time.Minute, func() error {
			if got := desired(m, name) >= 0; got != want {
				return fmt.Errorf("series present=%v", got)
			}
			return nil
		})
	}
	wantReady("False", v1alpha1.ReasonDeploymentNotFound)
	if out := kubectl("get", "va", "-n", ns, name, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].message}"); !strings.Contains(out, "Target deployment 'llama-h100' no longer exists") {
		t.Errorf("kubectl shows the Ready message %q", out)
	}

	createDeployment(t, ns, name, h100, 1)
	wantReady("True", v1alpha1.ReasonTargetFound)
	series(true)
	eventually(t, "the replica is Ready", 2*time.Minute, func() error {
		if _, ready, err := replicas(t, ns, name); err != nil || ready != 1 {
			return fmt.Errorf("ready %d (%v)", ready, err)
		}
		return nil
	})

	if err := s.client.Delete(context.Background(), &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}); err != nil {
		t.Fatal(err)
	}
	wantReady("False", v1alpha1.ReasonDeploymentNotFound)
	series(false)
	if v, _ := va(ns, name); v.Status.DesiredOptimizedAlloc.NumReplicas != nil {
		t.Errorf("desiredOptimizedAlloc after deletion %+v, want {}", v.Status.DesiredOptimizedAlloc)
	}

	createDeployment(t, ns, name, h100, 1)
	wantReady("True", v1alpha1.ReasonTargetFound)
	series(true)
	eventually(t, "the recreated Deployment's replica is Ready and decided on", 2*time.Minute, func() error {
		if _, ready, err := replicas(t, ns, name); err != nil || ready != 1 || desired(m, name) != 1 {
			return fmt.Errorf("ready %d desired %v (%v)", ready, desired(m, name), err)
		}
		return nil
	})
}
