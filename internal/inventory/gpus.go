package inventory

import (
	corev1 "k8s.io/api/core/v1"
)

// FreeGPUs is the GPU inventory the decision core's limiter grants scale-ups from: per
// accelerator type (the node's nvidia.com/gpu.product label), the allocatable GPUs of
// schedulable nodes minus what the pods bound to them request. Nodes without the label
// are left out, so their accelerator is not limited.
func FreeGPUs(nodes []corev1.Node, pods []corev1.Pod) map[string]int {
	used := map[string]int64{}
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		used[p.Spec.NodeName] += podGPUs(&p.Spec)
	}
	free := map[string]int{}
	for i := range nodes {
		n := &nodes[i]
		product := n.Labels[GPUProductLabel]
		if product == "" || n.Spec.Unschedulable {
			continue
		}
		q, ok := n.Status.Allocatable[GPUResource]
		if !ok {
			continue
		}
		left := q.Value() - used[n.Name]
		if left < 0 {
			left = 0
		}
		free[product] += int(left)
	}
	return free
}

// podGPUs is what a pod asks of the GPU resource (limits, else requests, per container).
func podGPUs(spec *corev1.PodSpec) int64 {
	return int64(GPUsPerReplica(&corev1.PodTemplateSpec{Spec: *spec}))
}
