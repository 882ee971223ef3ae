package inventory

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func gpuNode(name, product string, gpus string, unschedulable bool) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	if product != "" {
		n.Labels[GPUProductLabel] = product
	}
	if gpus != "" {
		n.Status.Allocatable = corev1.ResourceList{GPUResource: resource.MustParse(gpus)}
	}
	n.Spec.Unschedulable = unschedulable
	return n
}

func boundPod(node string, gpus string, phase corev1.PodPhase) corev1.Pod {
	return corev1.Pod{
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{GPUResource: resource.MustParse(gpus)},
		}}}},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func TestFreeGPUsSubtractsBoundPodsPerProduct(t *testing.T) {
	nodes := []corev1.Node{
		gpuNode("h1", "H100", "8", false),
		gpuNode("h2", "H100", "8", false),
		gpuNode("a1", "A100", "4", false),
		gpuNode("a2", "A100", "4", true), // cordoned: not offered
		gpuNode("cpu", "", "", false),    // no GPU product: not limited
		gpuNode("l4", "L4", "", false),   // labelled but no GPUs allocatable
	}
	pods := []corev1.Pod{
		boundPod("h1", "2", corev1.PodRunning),
		boundPod("h1", "1", corev1.PodPending),
		boundPod("h2", "8", corev1.PodSucceeded), // finished: frees its GPUs
		boundPod("a1", "6", corev1.PodRunning),   // over-committed: never negative
		boundPod("", "4", corev1.PodPending),     // unscheduled: uses nothing yet
	}
	got := FreeGPUs(nodes, pods)
	want := map[string]int{"H100": 13, "A100": 0}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FreeGPUs = %v, want %v", got, want)
	}
}
