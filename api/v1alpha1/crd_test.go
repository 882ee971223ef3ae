package v1alpha1_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

var env *localenv.Env

func TestMain(m *testing.M) {
	os.Exit(localenvtest.Main(m, localenv.Options{ControlPlaneOnly: true}, &env))
}

// newClient installs the CRD from config/crd/bases and returns a client that knows the type.
func newClient(t *testing.T) client.Client {
	t.Helper()
	if err := env.ApplyFiles(context.Background(), filepath.Join("..", "..", "config", "crd", "bases")); err != nil {
		t.Fatalf("install CRD: %v", err)
	}
	s := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func validVA(name string) *v1alpha1.VariantAutoscaling {
	return &v1alpha1.VariantAutoscaling{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: v1alpha1.VariantAutoscalingSpec{
			ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: "llama-8b"},
			ModelID:        "meta/llama-3.1-8b",
		},
	}
}

func TestVariantCostPatternIsEnforced(t *testing.T) {
	c := newClient(t)
	for i, cost := range []string{"abc", "-1", "1.", ".5", "1e3", "10.0.0"} {
		va := validVA("bad-cost-" + string(rune('a'+i)))
		va.Spec.VariantCost = cost
		err := c.Create(context.Background(), va)
		if !apierrors.IsInvalid(err) {
			t.Errorf("variantCost %q: got %v, want an Invalid error", cost, err)
			continue
		}
		if !strings.Contains(err.Error(), `^\d+(\.\d+)?$`) || !strings.Contains(err.Error(), "spec.variantCost") {
			t.Errorf("variantCost %q: error %q does not name the field and the pattern", cost, err)
		}
	}
	for i, cost := range []string{"0", "10", "15.5", "80.0"} {
		va := validVA("good-cost-" + string(rune('a'+i)))
		va.Spec.VariantCost = cost
		if err := c.Create(context.Background(), va); err != nil {
			t.Errorf("variantCost %q rejected: %v", cost, err)
		}
	}
}

func TestRequiredFieldsAreEnforced(t *testing.T) {
	c := newClient(t)
	noModel := validVA("no-model")
	noModel.Spec.ModelID = ""
	err := c.Create(context.Background(), noModel)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.modelID") {
		t.Errorf("missing modelID: got %v, want an Invalid error naming spec.modelID", err)
	}

	// A client that sends JSON without scaleTargetRef at all, as a hand-written manifest would.
	u := map[string]any{
		"apiVersion": "llmd.ai/v1alpha1", "kind": "VariantAutoscaling",
		"metadata": map[string]any{"name": "no-target", "namespace": "default"},
		"spec":     map[string]any{"modelID": "m"},
	}
	err = env.ApplyYAML(context.Background(), mustYAML(t, u))
	if err == nil || !strings.Contains(err.Error(), "scaleTargetRef") {
		t.Errorf("missing scaleTargetRef: got %v, want an error naming scaleTargetRef", err)
	}
}

func TestDefaults(t *testing.T) {
	c := newClient(t)
	va := validVA("defaults")
	if err := c.Create(context.Background(), va); err != nil {
		t.Fatal(err)
	}
	var got v1alpha1.VariantAutoscaling
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(va), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.VariantCost != "10.0" {
		t.Errorf("variantCost defaulted to %q, want 10.0", got.Spec.VariantCost)
	}
	if got.Spec.ScaleTargetRef.APIVersion != "apps/v1" {
		t.Errorf("scaleTargetRef.apiVersion defaulted to %q, want apps/v1", got.Spec.ScaleTargetRef.APIVersion)
	}
}

func TestStatusIsASubresource(t *testing.T) {
	c := newClient(t)
	va := validVA("status")
	if err := c.Create(context.Background(), va); err != nil {
		t.Fatal(err)
	}
	// A status written through the main resource is ignored...
	va.Status.DesiredOptimizedAlloc.NumReplicas = ptr.To[int32](4)
	if err := c.Update(context.Background(), va); err != nil {
		t.Fatal(err)
	}
	var got v1alpha1.VariantAutoscaling
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(va), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status.DesiredOptimizedAlloc.NumReplicas != nil {
		t.Fatalf("status changed through the main resource: %+v", got.Status)
	}
	// ...and taken through the status subresource.
	got.Status.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{Accelerator: "H100", NumReplicas: ptr.To[int32](4), LastRunTime: ptr.To(metav1.Now())}
	got.Status.CurrentReplicas = ptr.To[int32](2)
	got.Status.Conditions = []metav1.Condition{
		{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonTargetFound, Message: "ok", LastTransitionTime: metav1.Now()},
		{Type: v1alpha1.ConditionMetricsAvailable, Status: metav1.ConditionFalse, Reason: "MetricsMissing", Message: "no samples", LastTransitionTime: metav1.Now()},
	}
	if err := c.Status().Update(context.Background(), &got); err != nil {
		t.Fatal(err)
	}
	var after v1alpha1.VariantAutoscaling
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(va), &after); err != nil {
		t.Fatal(err)
	}
	if n := after.Status.DesiredOptimizedAlloc.NumReplicas; n == nil || *n != 4 {
		t.Fatalf("status not written through the subresource: %+v", after.Status)
	}
	if after.Spec.ModelID != va.Spec.ModelID {
		t.Fatalf("spec changed by a status update: %+v", after.Spec)
	}

	// kubectl get va shows the printer columns with the values just written.
	out := kubectl(t, "get", "va", "status", "-n", "default")
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	want := []string{"NAME", "TARGET", "MODEL", "ACCELERATOR", "CURRENT", "DESIRED", "READY", "METRICS-READY", "AGE"}
	if strings.Join(header, " ") != strings.Join(want, " ") {
		t.Errorf("kubectl get va columns = %v, want %v", header, want)
	}
	row := strings.Fields(strings.SplitN(out, "\n", 3)[1])
	if len(row) < 8 || row[1] != "llama-8b" || row[2] != "meta/llama-3.1-8b" || row[3] != "H100" || row[4] != "2" || row[5] != "4" || row[6] != "True" || row[7] != "False" {
		t.Errorf("kubectl get va row = %v", row)
	}
}

func mustYAML(t *testing.T, v any) string {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(env.BinDir, "kubectl"), append([]string{"--kubeconfig", env.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %v: %v\n%s", args, err, out)
	}
	return string(out)
}
