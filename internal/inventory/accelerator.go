package inventory

import (
	corev1 "k8s.io/api/core/v1"
)

const (
	// AcceleratorLabel on a VariantAutoscaling names its accelerator explicitly.
	AcceleratorLabel = "inference.optimization/acceleratorName"
	// GPUProductLabel is the node label NVIDIA GPU feature discovery sets; a pod template
	// that selects on it says which accelerator the variant runs on.
	GPUProductLabel = "nvidia.com/gpu.product"
	// GPUResource is the extended resource GPUs are requested by.
	GPUResource corev1.ResourceName = "nvidia.com/gpu"
	// UnknownAccelerator is reported when no source names the accelerator.
	UnknownAccelerator = "unknown"
)

// AcceleratorSource says where an accelerator name came from, for the status message.
type AcceleratorSource string

const (
	// FromVALabel means the VA's inference.optimization/acceleratorName label.
	FromVALabel AcceleratorSource = "label"
	// FromNodeSelector means the pod template's nodeSelector on nvidia.com/gpu.product.
	FromNodeSelector AcceleratorSource = "nodeSelector"
	// FromNodeAffinity means a required node affinity term on nvidia.com/gpu.product with one value.
	FromNodeAffinity AcceleratorSource = "nodeAffinity"
	// FromNowhere means nothing names it; the accelerator is UnknownAccelerator.
	FromNowhere AcceleratorSource = ""
)

// Accelerator derives a variant's accelerator: the VA label first, then the target's pod
// template (GPU product node selector, then a required node affinity naming exactly one
// product). It returns UnknownAccelerator and FromNowhere when none says.
func Accelerator(vaLabels map[string]string, tmpl *corev1.PodTemplateSpec) (string, AcceleratorSource) {
	if v := vaLabels[AcceleratorLabel]; v != "" {
		return v, FromVALabel
	}
	if tmpl == nil {
		return UnknownAccelerator, FromNowhere
	}
	if v := tmpl.Spec.NodeSelector[GPUProductLabel]; v != "" {
		return v, FromNodeSelector
	}
	if v, ok := affinityProduct(tmpl.Spec.Affinity); ok {
		return v, FromNodeAffinity
	}
	return UnknownAccelerator, FromNowhere
}

// affinityProduct finds a single GPU product all required node selector terms agree on.
func affinityProduct(a *corev1.Affinity) (string, bool) {
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return "", false
	}
	product := ""
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, expr := range term.MatchExpressions {
			if expr.Key != GPUProductLabel || expr.Operator != corev1.NodeSelectorOpIn || len(expr.Values) != 1 {
				continue
			}
			if product != "" && product != expr.Values[0] {
				return "", false
			}
			product = expr.Values[0]
		}
	}
	return product, product != ""
}

// GPUsPerReplica sums the GPUs the pod template's containers ask for (limits, else
// requests), so the GPU limiter knows what one more replica costs.
func GPUsPerReplica(tmpl *corev1.PodTemplateSpec) int {
	if tmpl == nil {
		return 0
	}
	total := int64(0)
	for _, c := range tmpl.Spec.Containers {
		if q, ok := c.Resources.Limits[GPUResource]; ok {
			total += q.Value()
		} else if q, ok := c.Resources.Requests[GPUResource]; ok {
			total += q.Value()
		}
	}
	return int(total)
}
