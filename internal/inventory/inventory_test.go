package inventory

import (
	"reflect"
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

func va(ns, name, model, target, cost string, lbls map[string]string) v1alpha1.VariantAutoscaling {
	return v1alpha1.VariantAutoscaling{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls},
		Spec: v1alpha1.VariantAutoscalingSpec{
			ScaleTargetRef: v1alpha1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
			ModelID:        model, VariantCost: cost,
		},
	}
}

func deployment(ns, name string, replicas *int32, tmpl corev1.PodSpec) appsv1.Deployment {
	return appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}}, Spec: tmpl},
		},
	}
}

func pod(ns, name, app string, ready bool) corev1.Pod {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}},
	}
}

func gpuSpec(n string, selector map[string]string) corev1.PodSpec {
	return corev1.PodSpec{
		NodeSelector: selector,
		Containers: []corev1.Container{{Name: "vllm", Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{GPUResource: resource.MustParse(n)},
		}}},
	}
}

func TestAccelerator(t *testing.T) {
	affinity := func(values ...string) *corev1.PodTemplateSpec {
		return &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: GPUProductLabel, Operator: corev1.NodeSelectorOpIn, Values: values}},
			}}},
		}}}}
	}
	cases := []struct {
		name   string
		labels map[string]string
		tmpl   *corev1.PodTemplateSpec
		want   string
		from   AcceleratorSource
	}{
		{"label wins", map[string]string{AcceleratorLabel: "H100"}, &corev1.PodTemplateSpec{Spec: corev1.PodSpec{NodeSelector: map[string]string{GPUProductLabel: "A100"}}}, "H100", FromVALabel},
		{"node selector", nil, &corev1.PodTemplateSpec{Spec: corev1.PodSpec{NodeSelector: map[string]string{GPUProductLabel: "NVIDIA-A100-SXM4-80GB"}}}, "NVIDIA-A100-SXM4-80GB", FromNodeSelector},
		{"affinity with one product", nil, affinity("NVIDIA-L4"), "NVIDIA-L4", FromNodeAffinity},
		{"affinity with a choice is not one accelerator", nil, affinity("NVIDIA-L4", "NVIDIA-A10G"), UnknownAccelerator, FromNowhere},
		{"nothing says", nil, &corev1.PodTemplateSpec{}, UnknownAccelerator, FromNowhere},
		{"no target", nil, nil, UnknownAccelerator, FromNowhere},
	}
	for _, c := range cases {
		got, from := Accelerator(c.labels, c.tmpl)
		if got != c.want || from != c.from {
			t.Errorf("%s: got %q from %q, want %q from %q", c.name, got, from, c.want, c.from)
		}
	}
}

func TestGPUsPerReplica(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "a", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{GPUResource: resource.MustParse("2")}}},
		{Name: "b", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{GPUResource: resource.MustParse("1")}}},
		{Name: "sidecar"},
	}}}
	if got := GPUsPerReplica(tmpl); got != 3 {
		t.Fatalf("GPUsPerReplica = %d, want 3", got)
	}
}

func TestBuildGroupsVariantsByModelAndNamespace(t *testing.T) {
	vas := []v1alpha1.VariantAutoscaling{
		va("b", "llama-a100", "llama", "llama-a100", "5.0", nil),
		va("a", "llama-h100", "llama", "llama-h100", "20", map[string]string{AcceleratorLabel: "H100"}),
		va("a", "llama-a100", "llama", "llama-a100", "", nil),
		va("a", "qwen", "qwen", "qwen", "1", nil),
	}
	deps := []appsv1.Deployment{
		deployment("a", "llama-h100", ptr.To[int32](3), gpuSpec("1", nil)),
		deployment("a", "llama-a100", nil, gpuSpec("2", map[string]string{GPUProductLabel: "NVIDIA-A100"})),
		deployment("b", "llama-a100", ptr.To[int32](0), gpuSpec("1", nil)),
	}
	pods := []corev1.Pod{
		pod("a", "llama-h100-2", "llama-h100", false),
		pod("a", "llama-h100-1", "llama-h100", true),
		pod("a", "llama-h100-0", "llama-h100", true),
		pod("b", "llama-h100-x", "llama-h100", true), // other namespace: not ours
	}
	models := Build(vas, deps, bySelector(pods))
	var got []string
	for _, m := range models {
		for _, v := range m.Variants {
			got = append(got, m.Namespace+"/"+m.ModelID+"/"+v.VA.Name)
		}
	}
	want := []string{"a/llama/llama-a100", "a/llama/llama-h100", "a/qwen/qwen", "b/llama/llama-a100"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("grouping = %v, want %v", got, want)
	}
	h100 := models[0].Variants[1]
	if h100.CurrentReplicas() != 3 || h100.ReadyReplicas() != 2 || len(h100.Pods) != 3 || h100.Pods[0].Name != "llama-h100-0" {
		t.Errorf("h100 current %d ready %d pods %d", h100.CurrentReplicas(), h100.ReadyReplicas(), len(h100.Pods))
	}
	if h100.Cost != 20 || h100.Accelerator != "H100" || h100.GPUsPerReplica != 1 || !h100.Actionable() {
		t.Errorf("h100 = %+v", h100)
	}
	a100 := models[0].Variants[0]
	if a100.Cost != DefaultCost || a100.CurrentReplicas() != 1 || a100.Accelerator != "NVIDIA-A100" || a100.GPUsPerReplica != 2 {
		t.Errorf("a100 = cost %v current %d accel %q gpus %d", a100.Cost, a100.CurrentReplicas(), a100.Accelerator, a100.GPUsPerReplica)
	}
	qwen := models[1].Variants[0]
	if qwen.Target != nil || qwen.Actionable() || qwen.Accelerator != UnknownAccelerator {
		t.Errorf("qwen without a deployment = %+v", qwen)
	}
}

func TestBuildReportsTwoVAsOnOneTargetOnBoth(t *testing.T) {
	vas := []v1alpha1.VariantAutoscaling{
		va("a", "first", "m", "shared", "1", nil),
		va("a", "second", "m", "shared", "1", nil),
		va("a", "third", "m", "own", "1", nil),
	}
	deps := []appsv1.Deployment{deployment("a", "shared", nil, corev1.PodSpec{}), deployment("a", "own", nil, corev1.PodSpec{})}
	vs := Build(vas, deps, nil)[0].Variants
	if !reflect.DeepEqual(vs[0].ConflictsWith, []string{"second"}) || !reflect.DeepEqual(vs[1].ConflictsWith, []string{"first"}) {
		t.Fatalf("conflicts: first %v, second %v", vs[0].ConflictsWith, vs[1].ConflictsWith)
	}
	if vs[0].Actionable() || vs[1].Actionable() || !vs[2].Actionable() {
		t.Fatalf("actionable: %v %v %v", vs[0].Actionable(), vs[1].Actionable(), vs[2].Actionable())
	}
}

func TestBuildRejectsTargetsThatAreNotDeployments(t *testing.T) {
	v := va("a", "sts", "m", "x", "1", nil)
	v.Spec.ScaleTargetRef.Kind = "StatefulSet"
	vs := Build([]v1alpha1.VariantAutoscaling{v}, []appsv1.Deployment{deployment("a", "x", nil, corev1.PodSpec{})}, nil)[0].Variants
	if vs[0].UnsupportedKind != "apps/v1/StatefulSet" || vs[0].Actionable() {
		t.Fatalf("got %+v", vs[0])
	}
}

// bySelector gives a Deployment the live Pods of its namespace its selector matches, as
// the ReplicaSets it controls would own them; sorted by name.
func bySelector(pods []corev1.Pod) PodsOf {
	return func(d *appsv1.Deployment) []*corev1.Pod {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() {
			return nil
		}
		var out []*corev1.Pod
		for i := range pods {
			p := &pods[i]
			if p.Namespace == d.Namespace && p.DeletionTimestamp == nil && sel.Matches(labels.Set(p.Labels)) {
				out = append(out, p)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out
	}
}
