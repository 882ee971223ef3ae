package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// renderChart renders the chart for a release in a namespace, failing the test on error.
func renderChart(t *testing.T, release, ns string, sets ...string) []*unstructured.Unstructured {
	t.Helper()
	var args []string
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	objs, err := harness.HelmTemplate(repoRoot, release, ns, args...)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// managerContainer returns the manager container of the rendered Deployment.
func managerContainer(t *testing.T, objs []*unstructured.Unstructured) corev1.Container {
	t.Helper()
	u := harness.Find(objs, "Deployment", "")
	if u == nil {
		t.Fatal("the chart renders no Deployment")
	}
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "manager" {
			return c
		}
	}
	t.Fatal("the chart's Deployment has no manager container")
	return corev1.Container{}
}

// processEnv turns a container's env into a process environment, resolving the downward
// API's namespace as the kubelet would.
func processEnv(t *testing.T, c corev1.Container, ns string) []string {
	t.Helper()
	var env []string
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+e.Value)
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env = append(env, e.Name+"="+ns)
		default:
			t.Fatalf("env %s: the test cannot resolve %+v", e.Name, e.ValueFrom)
		}
	}
	return env
}

// The chart, rendered with the guide's values and applied to the API server as `helm
// install` would (CRD, RBAC, ConfigMaps, Service), runs the built manager as the chart's
// ServiceAccount with the chart's environment: it reads the release's main ConfigMap,
// manages only its instance's VAs with exactly the chart's RBAC, and the immutable main
// ConfigMap rejects changes.
func TestChartInstallsAndTheManagerRunsAsItsServiceAccount(t *testing.T) {
	ctx := context.Background()
	const release, chartNS, instance = "chart-it", "wva-chart", "chart"
	// replicaCount 0: the API server validates the Deployment, and the manager runs below as
	// a process (there is no kubelet to run its image).
	objs := renderChart(t, release, chartNS,
		"wva.prometheus.baseURL="+s.prom.URL, "wva.optimizationInterval=3s",
		"wva.configMap.immutable=true", "wva.controllerInstance="+instance, "replicaCount=0")
	nsObj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": chartNS}}}
	// Apply sorts what it is given: hand it a copy, objs is read again below.
	if err := s.env.Apply(ctx, append(slices.Clone(objs), nsObj)...); err != nil {
		t.Fatalf("apply the rendered chart: %v", err)
	}
	const sa = "chart-it-workload-variant-autoscaler-controller-manager"
	const mainCM = "chart-it-workload-variant-autoscaler-variantautoscaling-config"
	kubeconfig, err := harness.ServiceAccountKubeconfigFor(ctx, s.env, chartNS, sa, filepath.Join(t.TempDir(), "chart-sa.kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	c := managerContainer(t, objs)
	env := processEnv(t, c, chartNS)
	for _, want := range []string{"POD_NAMESPACE=" + chartNS, "CONFIG_MAP_NAME=" + mainCM, "CONTROLLER_INSTANCE=" + instance, "ACTUATION_MODE=metrics"} {
		if !strings.Contains(strings.Join(env, "\n"), want) {
			t.Errorf("the chart's env lacks %s: %v", want, env)
		}
	}
	// The listeners' addresses come from the harness (free loopback ports); everything else
	// is the chart's: the ConfigMap it names holds the Prometheus URL and the interval.
	m := harness.StartManager(t, harness.ManagerOptions{Bin: s.wvaBin, Kubeconfig: kubeconfig, Name: "chart", Env: env})
	eventually(t, 10*time.Second, func() error {
		if !strings.Contains(m.Log(), `"interval":"3s"`) || !strings.Contains(m.Log(), s.prom.URL) {
			return fmt.Errorf("the manager did not load the chart's ConfigMap %s", mainCM)
		}
		return nil
	})

	ns := newNamespace(t)
	if err := s.client.Create(ctx, newVA(ns, "llama", model, "llama", "10", map[string]string{instanceLabel: instance})); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, "other", model, "other", "10", nil)); err != nil {
		t.Fatal(err)
	}
	wantCondition(t, ns, "llama", v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeploymentNotFound, 30*time.Second)
	if err := s.client.Create(ctx, newDeployment(ns, "llama", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
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
	wantCondition(t, ns, "llama", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, 30*time.Second)
	wantDesired(t, ns, "llama", 1, 30*time.Second)
	eventually(t, 20*time.Second, func() error {
		if l, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", ns, "llama"); !ok || !strings.Contains(l, `controller_instance="chart"`) {
			return fmt.Errorf("wva_desired_replicas line %q", l)
		}
		return nil
	})
	if va := getVA(t, ns, "other"); len(va.Status.Conditions) != 0 {
		t.Errorf("the chart's instance touched an unlabelled VA: %+v", va.Status.Conditions)
	}
	if strings.Contains(m.Log(), "forbidden") {
		t.Errorf("the chart's RBAC denied the manager something:\n%s", harness.TailLines(m.Log(), 20))
	}

	// wva.configMap.immutable: the API server itself refuses a change.
	var cm corev1.ConfigMap
	if err := s.client.Get(ctx, client.ObjectKey{Namespace: chartNS, Name: mainCM}, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Immutable == nil || !*cm.Immutable {
		t.Fatalf("main ConfigMap immutable = %v", cm.Immutable)
	}
	cm.Data["GLOBAL_OPT_INTERVAL"] = "5s"
	if err := s.client.Update(ctx, &cm); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Errorf("updating the immutable ConfigMap: %v, want rejected as immutable", err)
	}
	for _, name := range []string{"saturation-scaling-config", "model-scale-to-zero-config", "serviceclass"} {
		if err := s.client.Get(ctx, client.ObjectKey{Namespace: chartNS, Name: name}, &corev1.ConfigMap{}); err != nil {
			t.Errorf("the chart's ConfigMap %s: %v", name, err)
		}
	}
	if l := m.Log(); strings.Contains(l, "Rejected invalid") || strings.Contains(l, "skipped invalid config entry") {
		t.Errorf("the manager rejected a chart ConfigMap:\n%s", harness.TailLines(m.Log(), 20))
	}
}

// The gateway bearer token reaches the manager only from a Secret, mounted as the file
// GATEWAY_BEARER_TOKEN_FILE names (re-read on rotation); the chart refuses it as a plain
// value, in wva.gateway or in the ConfigMap through wva.extraConfig.
func TestChartGatewayTokenComesFromASecret(t *testing.T) {
	objs := renderChart(t, "wva", "wva-system", "wva.gateway.metricsURL=https://epp.llm-d:9090/metrics",
		"wva.gateway.bearerToken.secretName=epp-token", "wva.gateway.bearerToken.secretKey=jwt")
	c := managerContainer(t, objs)
	var file string
	for _, e := range c.Env {
		switch e.Name {
		case "GATEWAY_BEARER_TOKEN_FILE":
			file = e.Value
		case "GATEWAY_BEARER_TOKEN":
			t.Errorf("the token is passed as a plain environment variable: %+v", e)
		}
	}
	if file == "" {
		t.Fatal("no GATEWAY_BEARER_TOKEN_FILE in the manager's environment")
	}
	u := harness.Find(objs, "Deployment", "")
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &d); err != nil {
		t.Fatal(err)
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		for _, v := range d.Spec.Template.Spec.Volumes {
			if m.Name == v.Name && v.Secret != nil && v.Secret.SecretName == "epp-token" && file == filepath.Join(m.MountPath, "jwt") {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("GATEWAY_BEARER_TOKEN_FILE %q is not key jwt of the Secret epp-token mounted into the manager", file)
	}
	cm := harness.Find(objs, "ConfigMap", "wva-workload-variant-autoscaler-variantautoscaling-config")
	if cm == nil {
		t.Fatal("no main ConfigMap")
	}
	if got, _, _ := unstructured.NestedString(cm.Object, "data", "GATEWAY_METRICS_URL"); got != "https://epp.llm-d:9090/metrics" {
		t.Errorf("GATEWAY_METRICS_URL in the main ConfigMap = %q", got)
	}

	for _, plain := range [][]string{
		{"wva.gateway.bearerToken=s3cr3t"},
		{"wva.extraConfig.GATEWAY_BEARER_TOKEN=s3cr3t"},
		{"wva.extraConfig.PROMETHEUS_BEARER_TOKEN=s3cr3t"},
	} {
		var args []string
		for _, s := range plain {
			args = append(args, "--set", s)
		}
		_, err := harness.HelmTemplate(repoRoot, "wva", "wva-system", args...)
		if err == nil || !strings.Contains(err.Error(), "bearerToken") {
			t.Errorf("--set %v: want an error pointing at bearerToken, got %v", plain, err)
		}
	}
}
