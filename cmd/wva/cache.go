package main

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/config"
)

// cacheOptions limits what the informer cache holds to what WVA reads: the watched
// namespaces only (WATCH_NAMESPACES), this instance's VAs only, ReplicaSets as metadata,
// and every object trimmed on arrival — managed fields always, and of Pods, Deployments,
// ReplicaSets and Nodes everything but the fields the inventory, the Mapper and the GPU
// limiter read. The trimmed objects are never written back (status goes to VAs through
// their own patches, scaling through the scale subresource).
func cacheOptions(st config.StaticConfig, instanceSel labels.Selector) cache.Options {
	o := cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&v1alpha1.VariantAutoscaling{}: {Label: instanceSel},
			&corev1.Pod{}:                  {Transform: trimPod},
			&appsv1.Deployment{}:           {Transform: trimDeployment},
			&corev1.Node{}:                 {Transform: trimNode},
			collector.ReplicaSetMetadata(): {Transform: trimMetadata},
		},
	}
	if len(st.WatchNamespaces) > 0 {
		o.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range st.WatchNamespaces {
			o.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return o
}

// trimmedMeta keeps the identity, ownership and lifecycle of an object: no labels,
// annotations or managed fields.
func trimmedMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		Generation: m.Generation, CreationTimestamp: m.CreationTimestamp, DeletionTimestamp: m.DeletionTimestamp,
		OwnerReferences: m.OwnerReferences,
	}
}

// trimPod keeps what the Mapper (owner, liveness, IP, metrics port and path), readiness,
// HYBRID's start-up times (when scheduled, when Ready) and the GPU limiter (node,
// containers' GPU resources) read.
func trimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	out := &corev1.Pod{TypeMeta: p.TypeMeta, ObjectMeta: trimmedMeta(p.ObjectMeta)}
	for _, k := range []string{collector.AnnotationMetricsPort, collector.AnnotationMetricsPath} {
		if v, ok := p.Annotations[k]; ok {
			if out.Annotations == nil {
				out.Annotations = map[string]string{}
			}
			out.Annotations[k] = v
		}
	}
	out.Spec.NodeName = p.Spec.NodeName
	out.Spec.Containers = trimContainers(p.Spec.Containers, true)
	out.Status = corev1.PodStatus{Phase: p.Status.Phase, PodIP: p.Status.PodIP}
	for _, c := range p.Status.Conditions {
		// Readiness, and when the Pod was scheduled and became Ready: HYBRID's start-up time.
		if c.Type == corev1.PodReady || c.Type == corev1.PodScheduled {
			out.Status.Conditions = append(out.Status.Conditions, corev1.PodCondition{Type: c.Type, Status: c.Status, LastTransitionTime: c.LastTransitionTime})
		}
	}
	return out, nil
}

// trimContainers keeps names and resources, and the ports when asked.
func trimContainers(cs []corev1.Container, ports bool) []corev1.Container {
	out := make([]corev1.Container, len(cs))
	for i, c := range cs {
		out[i] = corev1.Container{Name: c.Name, Resources: corev1.ResourceRequirements{Limits: c.Resources.Limits, Requests: c.Resources.Requests}}
		if ports {
			out[i].Ports = c.Ports
		}
	}
	return out
}

// trimDeployment keeps the replicas, the selector and what the inventory reads of the Pod
// template: the accelerator (node selector, node affinity) and GPUs per replica.
func trimDeployment(obj any) (any, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return obj, nil
	}
	out := &appsv1.Deployment{TypeMeta: d.TypeMeta, ObjectMeta: trimmedMeta(d.ObjectMeta)}
	out.Spec.Replicas, out.Spec.Selector = d.Spec.Replicas, d.Spec.Selector
	tmpl := &out.Spec.Template.Spec
	tmpl.NodeSelector = d.Spec.Template.Spec.NodeSelector
	if a := d.Spec.Template.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		tmpl.Affinity = &corev1.Affinity{NodeAffinity: a.NodeAffinity}
	}
	tmpl.Containers = trimContainers(d.Spec.Template.Spec.Containers, false)
	return out, nil
}

// trimNode keeps what the GPU limiter reads: labels (the GPU product), schedulability and
// allocatable resources; not the image list or conditions.
func trimNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	meta := trimmedMeta(n.ObjectMeta)
	meta.Labels = n.Labels
	return &corev1.Node{
		TypeMeta: n.TypeMeta, ObjectMeta: meta,
		Spec:   corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable},
		Status: corev1.NodeStatus{Allocatable: n.Status.Allocatable},
	}, nil
}

// trimMetadata keeps the identity and ownership of a metadata-only object (ReplicaSets).
func trimMetadata(obj any) (any, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil
	}
	return &metav1.PartialObjectMetadata{TypeMeta: m.TypeMeta, ObjectMeta: trimmedMeta(m.ObjectMeta)}, nil
}
