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

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/test/harness"
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
		Data:       map[string]string{"GLOBAL_OPT_INTERVAL": "30m", "PROMETHEUS_BASE_URL": s.prom.URL},
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
	eventually(t, patience, func() error {
		pods := podsOf(t, ns, "llama")
		if len(pods) != 1 {
			return fmt.Errorf("%d pods", len(pods))
		}
		s.exp.set(ns, pods[0].Name, model, 0.3, 0)
		return nil
	})
	decisions := func() int { return strings.Count(m.Log(), `"variant":"llama"`) }
	eventually(t, patience, func() error {
		if decisions() == 0 {
			return fmt.Errorf("no decision yet")
		}
		return nil
	})

	patch := client.MergeFrom(cm.DeepCopy())
	cm.Data["GLOBAL_OPT_INTERVAL"] = "2s"
	changed := time.Now()
	if err := s.client.Patch(ctx, cm, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, patience, func() error {
		if !strings.Contains(m.Log(), `"msg":"Updated optimization interval"`) || !strings.Contains(m.Log(), `"old":"1800s","new":"2s"`) {
			return fmt.Errorf("no interval update log line")
		}
		return nil
	})
	// Under the old 30 m interval no decision would come within patience (2 m): three
	// can only come from the new interval. The time they took is reported, not asserted.
	base := decisions()
	eventually(t, patience, func() error {
		if n := decisions() - base; n < 3 {
			return fmt.Errorf("%d decisions since the change, want 3 at a 2s interval", n)
		}
		return nil
	})
	t.Logf("REACTION interval 30m → 2s: 3 decisions %.1fs after the ConfigMap change", time.Since(changed).Seconds())

	patch = client.MergeFrom(cm.DeepCopy())
	cm.Data["PROMETHEUS_BASE_URL"] = "https://new-prometheus:9090"
	if err := s.client.Patch(ctx, cm, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, patience, func() error {
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
	eventually(t, patience, func() error {
		if strings.Count(m.Log(), `"msg":"Scaling decision"`)-base < 2 {
			return fmt.Errorf("no decisions on the old Prometheus since the rejected change")
		}
		return nil
	})
}

// configMapEvents lists the events of a reason on a ConfigMap of the system namespace.
func configMapEvents(t *testing.T, cmName, reason string) []corev1.Event {
	t.Helper()
	var evs corev1.EventList
	if err := s.client.List(context.Background(), &evs, client.InNamespace(systemNamespace)); err != nil {
		t.Fatal(err)
	}
	var out []corev1.Event
	for _, e := range evs.Items {
		if e.Reason == reason && e.InvolvedObject.Name == cmName {
			out = append(out, e)
		}
	}
	return out
}

// newMainConfigMap creates a main ConfigMap of its own for one test.
func newMainConfigMap(t *testing.T, name string, data map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: systemNamespace, Name: name}, Data: data}
	if err := s.client.Create(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.client.Delete(context.Background(), cm) })
	return cm
}

// patchConfigMap sets keys of a ConfigMap.
func patchConfigMap(t *testing.T, cm *corev1.ConfigMap, data map[string]string) {
	t.Helper()
	patch := client.MergeFrom(cm.DeepCopy())
	for k, v := range data {
		cm.Data[k] = v
	}
	if err := s.client.Patch(context.Background(), cm, patch); err != nil {
		t.Fatal(err)
	}
}

// Two replicas with leader election both watch the ConfigMap and both reject an
// immutable change in their logs, but the cluster hears it once: from the leader.
func TestOnlyTheLeaderRaisesConfigEvents(t *testing.T) {
	ns := newNamespace(t)
	cmName := "wva-config-" + ns
	cm := newMainConfigMap(t, cmName, map[string]string{"PROMETHEUS_BASE_URL": s.prom.URL})
	common := []string{"CONFIG_MAP_NAME=" + cmName, "PROMETHEUS_BASE_URL=", "ENABLE_LEADER_ELECTION=true", "CONTROLLER_INSTANCE=" + ns}
	first := startManager(t, "replica-1", common...)
	eventually(t, time.Minute, func() error {
		if !strings.Contains(first.Log(), "Decision engine started") {
			return fmt.Errorf("replica-1 not leading yet")
		}
		return nil
	})
	second := startManager(t, "replica-2", common...)

	patchConfigMap(t, cm, map[string]string{"PROMETHEUS_BASE_URL": "https://new-prometheus:9090"})
	eventually(t, 20*time.Second, func() error {
		for _, m := range []*harness.Manager{first, second} {
			if !strings.Contains(m.Log(), "Attempted to change immutable parameters") {
				return fmt.Errorf("%s has not rejected the change yet", m.Name)
			}
		}
		return nil
	})
	// Each replica raises its event before it logs; the API write follows within moments.
	eventually(t, 10*time.Second, func() error {
		if n := len(configMapEvents(t, cmName, "ImmutableConfigChangeRejected")); n == 0 {
			return fmt.Errorf("no ImmutableConfigChangeRejected event yet")
		}
		return nil
	})
	time.Sleep(3 * time.Second) // let a second event, if any replica sent one, arrive
	if evs := configMapEvents(t, cmName, "ImmutableConfigChangeRejected"); len(evs) != 1 {
		t.Errorf("%d ImmutableConfigChangeRejected events for one change, want 1 (from the leader)", len(evs))
	}
	if strings.Contains(second.Log(), "Decision engine started") {
		t.Error("the follower leads too: the test does not show what it should")
	}
}

// A flag or environment variable setting a key makes a ConfigMap edit of it do nothing;
// the edit is not silent: an immutable key is rejected with ImmutableConfigChangeRejected
// saying what sets it, a mutable one gets a Normal event naming the winning source.
func TestShadowedConfigMapEditsAreTold(t *testing.T) {
	ns := newNamespace(t)
	cmName := "wva-config-" + ns
	cm := newMainConfigMap(t, cmName, map[string]string{"PROMETHEUS_BASE_URL": s.prom.URL, "GLOBAL_OPT_INTERVAL": "60s"})
	// startManager sets PROMETHEUS_BASE_URL in the environment, as a Deployment's env would.
	m := startManager(t, "shadowed", "CONFIG_MAP_NAME="+cmName, "GLOBAL_OPT_INTERVAL=30s", "CONTROLLER_INSTANCE="+ns)
	patchConfigMap(t, cm, map[string]string{"PROMETHEUS_BASE_URL": "https://new-prometheus:9090", "GLOBAL_OPT_INTERVAL": "5s"})
	eventually(t, 20*time.Second, func() error {
		evs := configMapEvents(t, cmName, "ImmutableConfigChangeRejected")
		if len(evs) == 0 || evs[0].Type != corev1.EventTypeWarning ||
			!strings.Contains(evs[0].Message, "PROMETHEUS_BASE_URL is set by the environment variable PROMETHEUS_BASE_URL") {
			return fmt.Errorf("no ImmutableConfigChangeRejected event saying the environment sets PROMETHEUS_BASE_URL: %+v", evs)
		}
		return nil
	})
	eventually(t, 20*time.Second, func() error {
		evs := configMapEvents(t, cmName, "ConfigMapValueShadowed")
		if len(evs) == 0 || evs[0].Type != corev1.EventTypeNormal ||
			!strings.Contains(evs[0].Message, `GLOBAL_OPT_INTERVAL changed to "5s" in this ConfigMap has no effect: the environment variable GLOBAL_OPT_INTERVAL sets it`) {
			return fmt.Errorf("no Normal ConfigMapValueShadowed event for GLOBAL_OPT_INTERVAL: %+v", evs)
		}
		return nil
	})
	if !strings.Contains(m.Log(), "Attempted to change immutable parameters") {
		t.Error("no 'Attempted to change immutable parameters' log line")
	}
}

// Credentials in PROMETHEUS_BASE_URL never show: not in the start-up log, not in the
// log or the event of a rejected change, not in errors reaching the log and the VA status.
func TestCredentialsInPrometheusURLNeverShow(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	cmName := "wva-config-" + ns
	closed := fmt.Sprintf("127.0.0.1:%d", freePort(t)) // nothing listens: every query fails
	cm := newMainConfigMap(t, cmName, map[string]string{"PROMETHEUS_BASE_URL": "http://wva-user:s3cr3t-pw@" + closed})
	m := startManager(t, "credentials", "CONFIG_MAP_NAME="+cmName, "PROMETHEUS_BASE_URL=", "PROMETHEUS_ALLOW_HTTP_CREDENTIALS=true",
		"CONTROLLER_INSTANCE="+ns, "GLOBAL_OPT_INTERVAL=2s")
	if err := s.client.Create(ctx, newDeployment(ns, "llama", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, "llama", model, "llama", "10", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	wantCondition(t, ns, "llama", v1alpha1.ConditionMetricsAvailable, metav1.ConditionFalse, "PrometheusError", 30*time.Second)
	patchConfigMap(t, cm, map[string]string{"PROMETHEUS_BASE_URL": "http://wva-user:n3w-pw@" + closed})
	eventually(t, 20*time.Second, func() error {
		if len(configMapEvents(t, cmName, "ImmutableConfigChangeRejected")) == 0 {
			return fmt.Errorf("no ImmutableConfigChangeRejected event yet")
		}
		return nil
	})
	var evs corev1.EventList
	if err := s.client.List(ctx, &evs); err != nil {
		t.Fatal(err)
	}
	shown := []string{m.Log(), fmt.Sprintf("%+v", getVA(t, ns, "llama").Status)}
	for _, e := range evs.Items {
		shown = append(shown, e.Message)
	}
	for _, text := range shown {
		for _, secret := range []string{"wva-user", "s3cr3t-pw", "n3w-pw"} {
			if strings.Contains(text, secret) {
				t.Errorf("%q shows up in:\n%s", secret, harness.TailLines(text, 20))
			}
		}
	}
	if !strings.Contains(m.Log(), "[redacted]@"+closed) {
		t.Error("the rejected change is not logged with the redacted URL")
	}
}
