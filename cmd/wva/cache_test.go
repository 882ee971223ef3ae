package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// vllmPodSpec is a model server's Pod spec as it is in practice: arguments, environment,
// volumes, probes, a GPU, on a node.
func vllmPodSpec() corev1.PodSpec {
	var env []corev1.EnvVar
	for i := range 12 {
		env = append(env, corev1.EnvVar{Name: fmt.Sprintf("VLLM_SETTING_%d", i), Value: "some-long-value-that-takes-room"})
	}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/health", Port: intstr.FromInt32(8000)}}}
	return corev1.PodSpec{
		NodeSelector: map[string]string{inventory.GPUProductLabel: "NVIDIA-H100-80GB-HBM3"},
		Affinity: &corev1.Affinity{
			NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: inventory.GPUProductLabel, Operator: corev1.NodeSelectorOpIn, Values: []string{"NVIDIA-H100-80GB-HBM3"}}},
			}}}},
			PodAntiAffinity: &corev1.PodAntiAffinity{},
		},
		Tolerations: []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists}},
		Volumes:     []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		Containers: []corev1.Container{{
			Name: "vllm", Image: "vllm/vllm-openai:v0.11.0", Args: []string{"--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-num-seqs", "256"},
			Env: env, Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}, {Name: "metrics", ContainerPort: 9090}},
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{inventory.GPUResource: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("64Gi")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8")},
			},
			ReadinessProbe: probe, LivenessProbe: probe,
			VolumeMounts: []corev1.VolumeMount{{Name: "cache", MountPath: "/root/.cache"}},
		}, {Name: "sidecar", Image: "proxy:1"}},
	}
}

// managed is a managedFields entry as server-side apply writes them.
func managed() []metav1.ManagedFieldsEntry {
	return []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply, FieldsType: "FieldsV1",
		FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"vllm\"}":{"f:args":{},"f:env":{}}}}}`)}}
}

func fullPod() *corev1.Pod {
	rs := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "llama-h100-5b77f94764", UID: "rs-uid", Controller: ptr.To(true)}
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "llm", Name: "llama-h100-5b77f94764-4xkmb", UID: "pod-uid", ResourceVersion: "42",
			Labels:          map[string]string{"app": "llama-h100", "pod-template-hash": "5b77f94764"},
			Annotations:     map[string]string{collector.AnnotationMetricsPort: "9100", collector.AnnotationMetricsPath: "/vllm/metrics", "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"},
			OwnerReferences: []metav1.OwnerReference{rs}, ManagedFields: managed()},
		Spec: func() corev1.PodSpec { s := vllmPodSpec(); s.NodeName = "gpu-h100-0"; return s }(),
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.7", HostIP: "192.168.0.1",
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))},
				{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(time.Date(2026, 1, 1, 0, 3, 0, 0, time.UTC))},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, Message: "ready", LastTransitionTime: metav1.NewTime(time.Date(2026, 1, 1, 0, 3, 0, 0, time.UTC))},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "vllm", Ready: true, Image: "vllm/vllm-openai:v0.11.0", ImageID: "sha256:abc"}}},
	}
}

func fullDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "llm", Name: "llama-h100", UID: "dep-uid", ResourceVersion: "7", Generation: 3,
			Annotations:   map[string]string{"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat("x", 2048)},
			ManagedFields: managed()},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "llama-h100"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "llama-h100"}}, Spec: vllmPodSpec()}},
		Status: appsv1.DeploymentStatus{Replicas: 3, ReadyReplicas: 3, Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Message: "ok"}}},
	}
}

func trimmed[T any](t *testing.T, trim func(any) (any, error), obj T) T {
	t.Helper()
	out, err := trim(obj)
	if err != nil {
		t.Fatal(err)
	}
	again, err := trim(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, again) {
		t.Errorf("the transform is not idempotent:\n%+v\n%+v", out, again)
	}
	return out.(T)
}

func size(t *testing.T, o any) int {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// The cache transforms keep every fact WVA derives from Pods, Deployments and Nodes —
// owner, liveness, readiness, metrics endpoint, GPUs, node, accelerator, replicas — and
// drop the rest (managed fields, environment, volumes, probes, statuses, annotations).
func TestCacheTransformsKeepWhatWVAReads(t *testing.T) {
	pod := fullPod()
	tp := trimmed(t, trimPod, pod)
	if got, want := collector.PodEndpoint(tp), collector.PodEndpoint(pod); got != want {
		t.Errorf("metrics endpoint %+v, want %+v", got, want)
	}
	if inventory.PodReady(tp) != inventory.PodReady(pod) || tp.Status.Phase != pod.Status.Phase || tp.DeletionTimestamp != pod.DeletionTimestamp {
		t.Errorf("readiness or liveness changed: %+v", tp.Status)
	}
	got, gotOK := engine.StartupTime(&inventory.Variant{Pods: []*corev1.Pod{tp}})
	want, wantOK := engine.StartupTime(&inventory.Variant{Pods: []*corev1.Pod{pod}})
	if got != want || gotOK != wantOK || want != 3*time.Minute {
		t.Errorf("HYBRID's start-up time %v (%v) after the trim, want %v (%v): 3m from scheduled to Ready", got, gotOK, want, wantOK)
	}
	if !reflect.DeepEqual(metav1.GetControllerOf(tp), metav1.GetControllerOf(pod)) || tp.UID != pod.UID || tp.Name != pod.Name || tp.Namespace != pod.Namespace {
		t.Errorf("identity or owner changed: %+v", tp.ObjectMeta)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "gpu-h100-0", Labels: map[string]string{inventory.GPUProductLabel: "NVIDIA-H100-80GB-HBM3"}, ManagedFields: managed()},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{inventory.GPUResource: resource.MustParse("8")},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Message: "kubelet is posting ready status"}},
			NodeInfo:   corev1.NodeSystemInfo{KernelVersion: "6.1.0", OSImage: "Ubuntu 24.04", ContainerRuntimeVersion: "containerd://2.0"}}}
	for i := range 20 { // a GPU node's image list: model servers are large and many
		node.Status.Images = append(node.Status.Images, corev1.ContainerImage{Names: []string{fmt.Sprintf("registry.example.com/vllm/vllm-openai@sha256:%064d", i)}, SizeBytes: 1 << 34})
	}
	tn := trimmed(t, trimNode, node)
	if got, want := inventory.FreeGPUs([]corev1.Node{*tn}, []corev1.Pod{*tp}), inventory.FreeGPUs([]corev1.Node{*node}, []corev1.Pod{*pod}); !reflect.DeepEqual(got, want) || want["NVIDIA-H100-80GB-HBM3"] != 6 {
		t.Errorf("free GPUs %v, want %v (6 on the H100)", got, want)
	}

	d := fullDeployment()
	td := trimmed(t, trimDeployment, d)
	full, tv := inventory.Variant{Target: d}, inventory.Variant{Target: td}
	if tv.CurrentReplicas() != full.CurrentReplicas() || inventory.GPUsPerReplica(&td.Spec.Template) != inventory.GPUsPerReplica(&d.Spec.Template) {
		t.Errorf("replicas or GPUs changed: %d/%d", tv.CurrentReplicas(), inventory.GPUsPerReplica(&td.Spec.Template))
	}
	ga, fa := inventory.Accelerator(nil, &td.Spec.Template)
	wa, wf := inventory.Accelerator(nil, &d.Spec.Template)
	if ga != wa || fa != wf {
		t.Errorf("accelerator %q from %q, want %q from %q", ga, fa, wa, wf)
	}
	noSelector := d.DeepCopy()
	noSelector.Spec.Template.Spec.NodeSelector = nil // the affinity alone says it
	ga, _ = inventory.Accelerator(nil, &trimmed(t, trimDeployment, noSelector).Spec.Template)
	if ga != "NVIDIA-H100-80GB-HBM3" {
		t.Errorf("accelerator from the node affinity lost: %q", ga)
	}

	for _, c := range []struct {
		name        string
		full, small any
	}{{"Pod", pod, tp}, {"Deployment", d, td}, {"Node", node, tn}} {
		t.Logf("%s: %d bytes as JSON, %d trimmed", c.name, size(t, c.full), size(t, c.small))
		if size(t, c.small) > size(t, c.full)/2 {
			t.Errorf("%s trimmed to %d of %d bytes only", c.name, size(t, c.small), size(t, c.full))
		}
	}
	if len(tp.ManagedFields)+len(td.ManagedFields)+len(tn.ManagedFields) != 0 || tp.Labels != nil || tp.Spec.Containers[0].Env != nil || tn.Status.Images != nil {
		t.Error("managed fields, labels, environment or node images kept")
	}
	if out, _ := trimPod("not a pod"); out != "not a pod" {
		t.Error("a transform changed an object of another type")
	}
}
