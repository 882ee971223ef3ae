package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// The scenarios build their objects from the manifests the project documents for users
// (config/samples, config/manager), changing only names, namespace and the knobs a test
// needs.

// sample decodes a YAML document of a repository file into out; with several documents,
// the one whose metadata.name is name.
func sample(t *testing.T, file, name string, out any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, file))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range bytes.Split(data, []byte("\n---")) {
		var meta struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("decode %s: %v", file, err)
		}
		if name == "" || meta.Metadata.Name == name {
			if err := yaml.Unmarshal(doc, out); err != nil {
				t.Fatalf("decode %s: %v", file, err)
			}
			return
		}
	}
	t.Fatalf("%s has no object named %s", file, name)
}

// newNamespace creates a fresh namespace for one scenario.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-"}}
	if err := s.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// e2eSaturation makes KV-cache use the deciding signal at loads this machine can drive:
// a replica counts as needing help above 20% KV use on average (0.50 − 0.30).
const e2eSaturation = `kvCacheThreshold: 0.50
queueLengthThreshold: 5
kvSpareTrigger: 0.30
queueSpareTrigger: 3
`

// METRICS_PEAK_WINDOW of the scenarios, shorter than the default minute. WVA scales down
// only once the load has left the peak window, and, after a model's signals were missing
// (a replica not reporting yet counts), only once a whole window has passed since they
// came back; at the default minute these waits would be most of a scenario's length,
// and would hide, in the first minute after a replica reports, whether anything else
// holds a scale-down or a scale to zero.
const (
	// loadPeakWindow is the window of the scenarios whose load stops: thirty seconds still
	// span fifteen scrapes of the cluster Prometheus.
	loadPeakWindow = 30 * time.Second
	// idlePeakWindow is the window of the scale-to-zero scenarios, five scrapes, no
	// longer than their retention periods, so that the retention period (or what holds
	// the model) is what they wait for.
	idlePeakWindow = 10 * time.Second
)

// configMaps creates the documented ConfigMaps (config/manager/configmaps.yaml) in the
// scenario's namespace, its WVA's POD_NAMESPACE: the main one with the given
// optimisation interval, the saturation thresholds above, and scaleToZero (YAML of the
// `default` entry) when not empty.
func configMaps(t *testing.T, ns, interval, scaleToZero string) {
	t.Helper()
	const file = "config/manager/configmaps.yaml"
	var main, sat, zero, classes corev1.ConfigMap
	sample(t, file, "workload-variant-autoscaler-variantautoscaling-config", &main)
	sample(t, file, "saturation-scaling-config", &sat)
	sample(t, file, "model-scale-to-zero-config", &zero)
	sample(t, file, "serviceclass", &classes)
	main.Data["GLOBAL_OPT_INTERVAL"] = interval
	sat.Data["default"] = e2eSaturation
	if scaleToZero != "" {
		zero.Data["default"] = scaleToZero
	}
	for _, cm := range []*corev1.ConfigMap{&main, &sat, &zero, &classes} {
		cm.Namespace = ns
		if err := s.client.Create(context.Background(), cm); err != nil {
			t.Fatal(err)
		}
	}
}

// deployment is the sample model-server Deployment, renamed, on the given GPU product.
func deployment(t *testing.T, ns, name, product string, replicas int32) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	sample(t, "config/samples/llama-8b-deployment.yaml", "", &d)
	d.Namespace, d.Name = ns, name
	d.Spec.Replicas = ptr.To(replicas)
	d.Spec.Selector.MatchLabels = map[string]string{"app": name}
	d.Spec.Template.Labels["app"] = name
	d.Spec.Template.Spec.NodeSelector["nvidia.com/gpu.product"] = product
	return &d
}

// createDeployment creates the sample Deployment.
func createDeployment(t *testing.T, ns, name, product string, replicas int32) {
	t.Helper()
	if err := s.client.Create(context.Background(), deployment(t, ns, name, product, replicas)); err != nil {
		t.Fatal(err)
	}
}

// createVA creates the sample VariantAutoscaling for a Deployment, labelled for the
// scenario's WVA instance, with the given accelerator label and cost.
func createVA(t *testing.T, ns, name, accelerator, cost string) {
	t.Helper()
	var va v1alpha1.VariantAutoscaling
	sample(t, "config/samples/llmd_v1alpha1_variantautoscaling.yaml", "", &va)
	va.Namespace, va.Name = ns, name
	va.Labels["inference.optimization/acceleratorName"] = accelerator
	va.Labels[instanceLabel] = ns
	va.Spec.ScaleTargetRef.Name = name
	va.Spec.VariantCost = cost
	if err := s.client.Create(context.Background(), &va); err != nil {
		t.Fatal(err)
	}
}

// createHPA creates the documented HPA (config/samples/hpa.yaml) for a variant, with
// the test's minimum and a short scale-down stabilisation window.
func createHPA(t *testing.T, ns, name string, minReplicas int32, scaleDownWindow int32) {
	t.Helper()
	var h autoscalingv2.HorizontalPodAutoscaler
	sample(t, "config/samples/hpa.yaml", "", &h)
	h.Namespace, h.Name = ns, name
	h.Spec.ScaleTargetRef.Name = name
	h.Spec.MinReplicas = ptr.To(minReplicas)
	h.Spec.Metrics[0].External.Metric.Selector.MatchLabels["variant_name"] = name
	h.Spec.Behavior.ScaleDown.StabilizationWindowSeconds = ptr.To(scaleDownWindow)
	if !strings.HasPrefix(h.Spec.Metrics[0].External.Metric.Name, "wva_") {
		t.Fatalf("sample HPA does not use WVA's metric: %s", h.Spec.Metrics[0].External.Metric.Name)
	}
	if err := s.client.Create(context.Background(), &h); err != nil {
		t.Fatal(err)
	}
}
