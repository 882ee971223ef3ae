package inventory

import (
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// InferencePoolGVKs are the InferencePool APIs of the Gateway API Inference Extension,
// newest first: v1 (selector.matchLabels) and the older v1alpha2 (selector as a plain
// label map). WVA reads them as unstructured, and only when a CRD is installed, so the
// extension is never a dependency.
var InferencePoolGVKs = []schema.GroupVersionKind{
	{Group: "inference.networking.k8s.io", Version: "v1", Kind: "InferencePool"},
	{Group: "inference.networking.x-k8s.io", Version: "v1alpha2", Kind: "InferencePool"},
}

// Pool is an InferencePool: the model-server Pods its selector matches are its endpoints,
// and its endpoint picker's queue series carry its name as the inference_pool label.
type Pool struct {
	// Namespace and Name identify the pool; it selects Pods of its own namespace only.
	Namespace, Name string
	// Selector matches the pool's Pods by label.
	Selector labels.Selector
}

// PoolsFrom reads InferencePools; a pool with no usable selector selects nothing and is
// left out.
func PoolsFrom(items []unstructured.Unstructured) []Pool {
	var out []Pool
	for i := range items {
		u := &items[i]
		set, ok := poolSelector(u.Object)
		if !ok || len(set) == 0 {
			continue
		}
		out = append(out, Pool{Namespace: u.GetNamespace(), Name: u.GetName(), Selector: labels.SelectorFromSet(set)})
	}
	return out
}

// poolSelector is spec.selector.matchLabels (v1), or spec.selector itself when it is a
// plain map of strings (v1alpha2).
func poolSelector(obj map[string]any) (labels.Set, bool) {
	if m, found, err := unstructured.NestedStringMap(obj, "spec", "selector", "matchLabels"); err == nil && found {
		return m, true
	}
	m, found, err := unstructured.NestedStringMap(obj, "spec", "selector")
	return m, err == nil && found
}

// AttachPools gives each model the names of the pools of its namespace whose selector
// matches the Pod template of at least one of its actionable variants' targets: those
// pools' queues hold the model's waiting requests.
func AttachPools(models []*Model, pools []Pool) {
	for _, m := range models {
		m.Pools = nil
		for _, p := range pools {
			if p.Namespace == m.Namespace && selectsVariant(p, m) {
				m.Pools = append(m.Pools, p.Name)
			}
		}
		slices.Sort(m.Pools)
		m.Pools = slices.Compact(m.Pools)
	}
}

func selectsVariant(p Pool, m *Model) bool {
	for _, v := range m.Variants {
		if v.Actionable() && p.Selector.Matches(labels.Set(v.Target.Spec.Template.Labels)) {
			return true
		}
	}
	return false
}
