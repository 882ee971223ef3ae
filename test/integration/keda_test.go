package integration

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// KEDA's own CRDs (the pinned KEDA module's, built into bin/tools by the keda tool set)
// accept the documented ScaledObject, and keep every field of it: a misspelt field would be
// pruned by the CRD's schema and show here as a difference.
func TestKEDAScaledObjectSampleIsAcceptedByKEDAsCRD(t *testing.T) {
	ctx := context.Background()
	crds := filepath.Join(os.Getenv("WVA_TOOLS_BIN"), "keda-crds.yaml")
	if err := s.env.ApplyFiles(ctx, crds); err != nil {
		t.Fatalf("install KEDA's CRDs from %s (run `make tools`): %v", crds, err)
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/samples/keda-scaledobject.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := harness.DecodeYAML(data)
	if err != nil || len(objs) != 1 || objs[0].GetKind() != "ScaledObject" {
		t.Fatalf("sample: %v objects, %v", len(objs), err)
	}
	sample := objs[0]
	sample.SetNamespace(newNamespace(t))
	if err := s.env.Apply(ctx, sample.DeepCopy()); err != nil {
		t.Fatalf("the API server rejected the sample ScaledObject: %v", err)
	}
	var got unstructured.Unstructured
	got.SetGroupVersionKind(sample.GroupVersionKind())
	if err := s.client.Get(ctx, client.ObjectKeyFromObject(sample), &got); err != nil {
		t.Fatal(err)
	}
	want := sample.Object["spec"].(map[string]any)
	stored := got.Object["spec"].(map[string]any)
	// Fields KEDA's CRD defaults are not in the sample; everything the sample says must be stored.
	if !containsAll(want, stored) {
		t.Errorf("the stored ScaledObject lost fields of the sample:\nsample %v\nstored %v", want, stored)
	}
	fb, _, _ := unstructured.NestedMap(got.Object, "spec", "fallback")
	if fb["behavior"] != "currentReplicas" {
		t.Errorf("fallback = %v, want behavior currentReplicas", fb)
	}
}

// containsAll reports whether every value in want is in got (maps by key, lists by index).
func containsAll(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !containsAll(v, g[k]) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !containsAll(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		// YAML decodes numbers as float64, the API client as int64: compare their values.
		if w, ok := number(want); ok {
			g, ok := number(got)
			return ok && w == g
		}
		return reflect.DeepEqual(want, got)
	}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}
