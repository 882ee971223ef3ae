package inventory

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

func poolObject(ns, name string, spec map[string]any) unstructured.Unstructured {
	u := unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(InferencePoolGVKs[0])
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// A model's pools are those of its namespace whose selector matches one of its variants'
// Pod templates, in both the v1 (matchLabels) and the v1alpha2 (plain map) shapes.
func TestAttachPools(t *testing.T) {
	pools := PoolsFrom([]unstructured.Unstructured{
		poolObject("ns", "h100-pool", map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"app": "llama-h100"}}}),
		poolObject("ns", "old-pool", map[string]any{"selector": map[string]any{"app": "llama-a100"}}),
		poolObject("ns", "other-model", map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"app": "mistral"}}}),
		poolObject("elsewhere", "h100-pool-2", map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"app": "llama-h100"}}}),
		poolObject("ns", "empty", map[string]any{"selector": map[string]any{"matchLabels": map[string]any{}}}),
		poolObject("ns", "broken", map[string]any{"selector": "app=x"}),
	})
	if len(pools) != 4 {
		t.Fatalf("read %d pools, want 4 (empty and malformed selectors left out): %+v", len(pools), pools)
	}
	models := Build(
		[]v1alpha1.VariantAutoscaling{
			va("ns", "llama-h100", "llama", "llama-h100", "10", nil),
			va("ns", "llama-a100", "llama", "llama-a100", "5", nil),
			va("ns", "mistral", "mistral", "gone", "5", nil),
		},
		[]appsv1.Deployment{deployment("ns", "llama-h100", ptr.To[int32](0), gpuSpec("1", nil)), deployment("ns", "llama-a100", ptr.To[int32](0), gpuSpec("1", nil))},
		nil)
	AttachPools(models, pools)
	got := map[string][]string{}
	for _, m := range models {
		got[m.ModelID] = m.Pools
	}
	want := map[string][]string{"llama": {"h100-pool", "old-pool"}, "mistral": nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pools %v, want %v (a variant whose target is gone matches nothing)", got, want)
	}
}
