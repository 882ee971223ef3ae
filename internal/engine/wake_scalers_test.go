package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// The scale-from-zero fast path decides a model at zero between cycles from its own
// inventory; a KEDA ScaledObject on a target bounds that decision as in a cycle (its
// minReplicaCount is the count a wake-up must at least ask for). Read from a real API server
// with KEDA's own CRDs installed, through the manager's cache and REST mapper.
func TestWakeInventoryReadsScaledObjects(t *testing.T) {
	crds := filepath.Join(os.Getenv("WVA_TOOLS_BIN"), "keda-crds.yaml")
	if _, err := os.Stat(crds); err != nil {
		t.Fatalf("KEDA's CRDs (the keda tool set of `make tools`, WVA_TOOLS_BIN): %v", err)
	}
	env := localenvtest.Start(t, localenv.Options{ControlPlaneOnly: true})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := env.ApplyFiles(ctx, "../../config/crd/bases", crds); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	api, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	const ns, name = "wake", "llama-a100"
	labels := map[string]string{"app": name}
	so := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"scaleTargetRef":  map[string]any{"name": name},
		"minReplicaCount": int64(2), "maxReplicaCount": int64(5),
		"triggers": []any{map[string]any{"type": "prometheus", "metadata": map[string]any{
			"serverAddress": "https://prometheus:9090", "query": "max(wva_desired_replicas)", "threshold": "1"}}},
	}}}
	so.SetGroupVersionKind(inventory.ScaledObjectGVK)
	so.SetNamespace(ns)
	so.SetName(name)
	for _, o := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "vllm", Image: "vllm"}}}}}},
		&v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.VariantAutoscalingSpec{
			ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: name}, ModelID: "meta/llama", VariantCost: "10"}},
		so,
	} {
		if err := api.Create(ctx, o); err != nil {
			t.Fatalf("create %s: %v", o.GetName(), err)
		}
	}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()
	eng := New(Options{Reader: mgr.GetClient(), RESTMapper: mgr.GetRESTMapper(), Settings: &settings{interval: time.Minute}, Clock: clock.RealClock{}})
	localenvtest.Eventually(t, 30*time.Second, func() error {
		m, err := eng.modelInventory(ctx, ModelKey{Namespace: ns, ModelID: "meta/llama"})
		if err != nil {
			return err
		}
		if len(m.Variants) != 1 || m.Variants[0].Target == nil {
			return fmt.Errorf("inventory %+v: want the one variant with its target", m.Variants)
		}
		got := m.Variants[0].Scaler
		want := inventory.Scaler{Kind: inventory.KindScaledObject, Namespace: ns, Name: name, Target: name, MinReplicas: 2, MaxReplicas: 5}
		if got == nil || *got != want {
			return fmt.Errorf("the wake-up's inventory has scaler %+v, want the ScaledObject %+v", got, want)
		}
		return nil
	})
}
