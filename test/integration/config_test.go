package integration

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The manager refuses to start without PROMETHEUS_BASE_URL: exit code 1 and a message
// naming the key and what to do.
func TestManagerFailsFastWithoutPrometheusURL(t *testing.T) {
	cmd := exec.Command(s.wvaBin)
	cmd.Env = []string{"KUBECONFIG=" + s.saConfig, "POD_NAMESPACE=" + systemNamespace, "CONFIG_MAP_NAME=does-not-exist", "GLOBAL_OPT_INTERVAL=soon"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want exit code 1\n%s", err, out)
	}
	for _, want := range []string{"PROMETHEUS_BASE_URL", "GLOBAL_OPT_INTERVAL", `"soon"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not mention %s:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "Decision engine started") {
		t.Error("the manager started despite the bad configuration")
	}
}

// A mutable key changed in the main ConfigMap applies to the next cycles and is logged
// with its old and new values; an immutable one is rejected with a Warning event and the
// running value stays.
func TestMainConfigMapReloadAndImmutableRejection(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	cmName := "wva-config-" + ns
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: systemNamespace, Name: cmName},
		Data:       map[string]string{"GLOBAL_OPT_INTERVAL": "60s", "PROMETHEUS_BASE_URL": s.prom.URL},
	}
	if err := s.client.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.client.Delete(ctx, cm) })
	m := startManager(t, "reload", "CONFIG_MAP_NAME="+cmName, "PROMETHEUS_BASE_URL=", "CONTROLLER_INSTANCE="+ns)
	if err := s.client.Create(ctx, newDeployment(ns, "llama", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, "llama", model, "llama", "10", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		pods := podsOf(t, ns, "llama")
		if len(pods) != 1 {
			return fmt.Errorf("%d pods", len(pods))
		}
		s.exp.set(ns, pods[0].Name, model, 0.3, 0)
		return nil
	})
	decisions := func() int { return strings.Count(m.Log(), `"variant":"llama"`) }
	eventually(t, 30*time.Second, func() error {
		if decisions() == 0 {
			return fmt.Errorf("no decision yet")
		}
		return nil
	})

	patch := client.MergeFrom(cm.DeepCopy())
	cm.Data["GLOBAL_OPT_INTERVAL"] = "2s"
	if err := s.client.Patch(ctx, cm, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		if !strings.Contains(m.Log(), `"msg":"Updated optimization interval"`) || !strings.Contains(m.Log(), `"old":"60s","new":"2s"`) {
			return fmt.Errorf("no interval update log line")
		}
		return nil
	})
	// Under the old 60 s interval no more decisions would come for a minute.
	base := decisions()
	eventually(t, 20*time.Second, func() error {
		if n := decisions() - base; n < 3 {
			return fmt.Errorf("%d decisions since the change, want 3 at a 2s interval", n)
		}
		return nil
	})

	patch = client.MergeFrom(cm.DeepCopy())
	cm.Data["PROMETHEUS_BASE_URL"] = "https://new-prometheus:9090"
	if err := s.client.Patch(ctx, cm, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		var evs corev1.EventList
		if err := s.client.List(ctx, &evs, client.InNamespace(systemNamespace)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.Reason == "ImmutableConfigChangeRejected" && e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == cmName {
				return nil
			}
		}
		return fmt.Errorf("no ImmutableConfigChangeRejected event on %s", cmName)
	})
	// kubectl sees it with the guide's command.
	out, err := exec.Command(s.env.BinDir+"/kubectl", "--kubeconfig", s.env.Kubeconfig, "get", "events", "-n", systemNamespace,
		"--field-selector", "reason=ImmutableConfigChangeRejected").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ImmutableConfigChangeRejected") {
		t.Errorf("kubectl get events: %v\n%s", err, out)
	}
	if !strings.Contains(m.Log(), "Attempted to change immutable parameters") || !strings.Contains(m.Log(), "PROMETHEUS_BASE_URL") {
		t.Error("no 'Attempted to change immutable parameters' log line naming PROMETHEUS_BASE_URL")
	}
	// The running manager still reads the old Prometheus: decisions keep their signals.
	base = strings.Count(m.Log(), `"msg":"Scaling decision"`)
	eventually(t, 20*time.Second, func() error {
		if strings.Count(m.Log(), `"msg":"Scaling decision"`)-base < 2 {
			return fmt.Errorf("no decisions on the old Prometheus since the rejected change")
		}
		return nil
	})
}
