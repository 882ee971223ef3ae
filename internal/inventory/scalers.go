package inventory

import (
	"sort"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Kinds of autoscaler whose bounds WVA respects.
const (
	// KindHPA is an autoscaling/v2 HorizontalPodAutoscaler.
	KindHPA = "HorizontalPodAutoscaler"
	// KindScaledObject is a KEDA keda.sh/v1alpha1 ScaledObject.
	KindScaledObject = "ScaledObject"
)

// ScaledObjectGVK is the KEDA ScaledObject's group, version and kind; WVA reads it as
// unstructured, and only when the CRD is installed, so KEDA is never a dependency.
var ScaledObjectGVK = schema.GroupVersionKind{Group: "keda.sh", Version: "v1alpha1", Kind: KindScaledObject}

// KEDA's defaults when a ScaledObject leaves its bounds out.
const (
	scaledObjectDefaultMin = 0
	scaledObjectDefaultMax = 100
)

// Scaler is an autoscaler that scales a Deployment: in metrics mode it is what acts on
// WVA's wva_desired_replicas, so its bounds are the target's real bounds.
type Scaler struct {
	// Kind is KindHPA or KindScaledObject.
	Kind string
	// Namespace and Name identify the autoscaler.
	Namespace, Name string
	// Target is the name of the Deployment it scales, in Namespace.
	Target string
	// MinReplicas and MaxReplicas are its bounds, defaults applied.
	MinReplicas, MaxReplicas int
}

// HPAScalers returns the HPAs that scale an apps/v1 Deployment, with their bounds
// (minReplicas defaults to 1).
func HPAScalers(hpas []autoscalingv2.HorizontalPodAutoscaler) []Scaler {
	out := make([]Scaler, 0, len(hpas))
	for i := range hpas {
		h := &hpas[i]
		ref := h.Spec.ScaleTargetRef
		if !isDeploymentRef(ref.APIVersion, ref.Kind) {
			continue
		}
		lo := 1
		if h.Spec.MinReplicas != nil {
			lo = int(*h.Spec.MinReplicas)
		}
		if s, ok := scaler(KindHPA, h.Namespace, h.Name, ref.Name, lo, int(h.Spec.MaxReplicas)); ok {
			out = append(out, s)
		}
	}
	return out
}

// ScaledObjectScalers returns the ScaledObjects that scale an apps/v1 Deployment, with
// their bounds (spec.minReplicaCount defaults to 0, spec.maxReplicaCount to 100, as in
// KEDA). Objects whose fields do not parse are skipped.
func ScaledObjectScalers(objs []unstructured.Unstructured) []Scaler {
	out := make([]Scaler, 0, len(objs))
	for i := range objs {
		o := &objs[i]
		name, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "name")
		kind, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "kind")
		apiVersion, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "apiVersion")
		if kind == "" {
			kind = "Deployment"
		}
		if name == "" || !isDeploymentRef(apiVersion, kind) {
			continue
		}
		lo, okLo := nestedCount(o, "minReplicaCount", scaledObjectDefaultMin)
		hi, okHi := nestedCount(o, "maxReplicaCount", scaledObjectDefaultMax)
		if !okLo || !okHi {
			continue
		}
		if s, ok := scaler(KindScaledObject, o.GetNamespace(), o.GetName(), name, lo, hi); ok {
			out = append(out, s)
		}
	}
	return out
}

// nestedCount reads an optional integer field of spec; ok is false when it is not one.
func nestedCount(o *unstructured.Unstructured, field string, def int) (int, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(o.Object, "spec", field)
	if err != nil || !found || v == nil {
		return def, err == nil
	}
	switch n := v.(type) {
	case int64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

// scaler builds a Scaler when its bounds form a range.
func scaler(kind, ns, name, target string, lo, hi int) (Scaler, bool) {
	if lo < 0 || hi < lo {
		return Scaler{}, false
	}
	return Scaler{Kind: kind, Namespace: ns, Name: name, Target: target, MinReplicas: lo, MaxReplicas: hi}, true
}

// isDeploymentRef accepts an apps/v1 Deployment reference (apiVersion may be empty).
func isDeploymentRef(apiVersion, kind string) bool {
	return kind == "Deployment" && (apiVersion == "" || apiVersion == "apps/v1")
}

// AttachScalers sets each variant's Scaler: the ScaledObject that scales its target if
// any (KEDA drives its own HPA, whose bounds follow the ScaledObject's), else the HPA;
// among several of one kind, the first by name.
func AttachScalers(models []*Model, scalers []Scaler) {
	sorted := append([]Scaler(nil), scalers...)
	rank := func(k string) int {
		if k == KindScaledObject {
			return 0
		}
		return 1
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		if a, b := rank(sorted[i].Kind), rank(sorted[j].Kind); a != b {
			return a < b
		}
		return sorted[i].Name < sorted[j].Name
	})
	byTarget := map[types.NamespacedName]*Scaler{}
	for i := range sorted {
		k := types.NamespacedName{Namespace: sorted[i].Namespace, Name: sorted[i].Target}
		if byTarget[k] == nil {
			byTarget[k] = &sorted[i]
		}
	}
	for _, m := range models {
		for _, v := range m.Variants {
			if v.Target == nil {
				continue
			}
			v.Scaler = byTarget[types.NamespacedName{Namespace: v.Target.Namespace, Name: v.Target.Name}]
		}
	}
}
