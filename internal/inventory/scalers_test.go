package inventory

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

func hpa(name, target string, lo *int32, hi int32) autoscalingv2.HorizontalPodAutoscaler {
	return autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
			MinReplicas:    lo, MaxReplicas: hi,
		},
	}
}

func scaledObject(name string, spec map[string]any) unstructured.Unstructured {
	o := unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	o.SetGroupVersionKind(ScaledObjectGVK)
	o.SetNamespace("ns")
	o.SetName(name)
	return o
}

// TestScalersReadBoundsWithDefaults protects the bounds WVA clamps to: an HPA's
// minReplicas defaults to 1, a ScaledObject's to 0 and its max to 100, and a
// ScaledObject wins over the HPA KEDA creates for it.
func TestScalersReadBoundsWithDefaults(t *testing.T) {
	hpas := HPAScalers([]autoscalingv2.HorizontalPodAutoscaler{
		hpa("a-hpa", "a", nil, 10), hpa("b-hpa", "b", ptr.To[int32](2), 4), hpa("keda-hpa-c", "c", ptr.To[int32](1), 7),
	})
	sos := ScaledObjectScalers([]unstructured.Unstructured{
		scaledObject("c", map[string]any{"scaleTargetRef": map[string]any{"name": "c"}, "maxReplicaCount": int64(7)}),
		scaledObject("bad", map[string]any{"scaleTargetRef": map[string]any{"name": "d"}, "minReplicaCount": "x"}),
		scaledObject("sts", map[string]any{"scaleTargetRef": map[string]any{"name": "e", "kind": "StatefulSet"}}),
	})
	if len(sos) != 1 {
		t.Fatalf("scaled objects = %+v, want only c", sos)
	}
	m := Build(
		[]v1alpha1.VariantAutoscaling{va("ns", "a", "m", "a", "1", nil), va("ns", "b", "m", "b", "1", nil), va("ns", "c", "m", "c", "1", nil)},
		[]appsv1.Deployment{deployment("ns", "a", nil, gpuSpec("1", nil)), deployment("ns", "b", nil, gpuSpec("1", nil)), deployment("ns", "c", nil, gpuSpec("1", nil))},
		nil)
	AttachScalers(m, append(hpas, sos...))
	want := map[string]Scaler{
		"a": {Kind: KindHPA, Namespace: "ns", Name: "a-hpa", Target: "a", MinReplicas: 1, MaxReplicas: 10},
		"b": {Kind: KindHPA, Namespace: "ns", Name: "b-hpa", Target: "b", MinReplicas: 2, MaxReplicas: 4},
		"c": {Kind: KindScaledObject, Namespace: "ns", Name: "c", Target: "c", MinReplicas: 0, MaxReplicas: 7},
	}
	for _, v := range m[0].Variants {
		if v.Scaler == nil || *v.Scaler != want[v.VA.Name] {
			t.Errorf("variant %s scaler %+v, want %+v", v.VA.Name, v.Scaler, want[v.VA.Name])
		}
	}
}
