package inventory

import (
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// DefaultCost is a replica's cost when spec.variantCost is empty (the CRD defaults it, so
// this only matters for objects the API server did not default).
const DefaultCost = 10.0

// Variant is one VariantAutoscaling with what the cache knows of its target.
type Variant struct {
	// VA is the VariantAutoscaling as cached; treat it as read-only.
	VA *v1alpha1.VariantAutoscaling
	// Target is the Deployment scaleTargetRef names, or nil when it does not exist.
	Target *appsv1.Deployment
	// UnsupportedKind is set when scaleTargetRef names something other than an apps/v1
	// Deployment; such a variant is reported and never acted on.
	UnsupportedKind string
	// ConflictsWith names the other VAs that claim the same target, sorted; a variant with
	// conflicts is reported and never acted on.
	ConflictsWith []string
	// Accelerator is the variant's accelerator, or UnknownAccelerator.
	Accelerator string
	// AcceleratorFrom says where Accelerator came from.
	AcceleratorFrom AcceleratorSource
	// Cost is the parsed spec.variantCost.
	Cost float64
	// GPUsPerReplica is what one replica of the target asks for.
	GPUsPerReplica int
	// Pods are the target's live Pods (PodsOf), sorted by name; read-only.
	Pods []*corev1.Pod
	// Scaler is the HPA or ScaledObject that scales the target, if any (AttachScalers).
	Scaler *Scaler
}

// Key is the VA's namespace and name.
func (v *Variant) Key() types.NamespacedName {
	return types.NamespacedName{Namespace: v.VA.Namespace, Name: v.VA.Name}
}

// Actionable reports whether the variant can take part in decisions: its target exists,
// is a Deployment, and no other VA claims it.
func (v *Variant) Actionable() bool {
	return v.Target != nil && v.UnsupportedKind == "" && len(v.ConflictsWith) == 0
}

// CurrentReplicas is the target's desired replica count (spec.replicas, default 1).
func (v *Variant) CurrentReplicas() int {
	if v.Target == nil {
		return 0
	}
	if v.Target.Spec.Replicas == nil {
		return 1
	}
	return int(*v.Target.Spec.Replicas)
}

// ReadyReplicas counts the target's pods that are Ready.
func (v *Variant) ReadyReplicas() int {
	n := 0
	for _, p := range v.Pods {
		if PodReady(p) {
			n++
		}
	}
	return n
}

// Model is the set of variants serving one model ID in one namespace.
type Model struct {
	// Namespace of the VAs.
	Namespace string
	// ModelID is spec.modelID.
	ModelID string
	// Variants are sorted by VA name.
	Variants []*Variant
	// Pools are the InferencePools whose selector matches the Pods of the model's
	// variants (AttachPools); their queues hold the model's waiting requests.
	Pools []string
}

// PodsOf gives the live Pods of a Deployment, sorted by name (in the controller: the Pods
// its ReplicaSets control, from the informer cache's indexes).
type PodsOf func(d *appsv1.Deployment) []*corev1.Pod

// Build groups VAs by (namespace, modelID) and attaches to each its target Deployment,
// the target's Pods (asked of pods only for a target one VA alone claims), accelerator,
// cost and GPU count, and any conflict with another VA over the same target. Models come
// sorted by namespace then model ID. It keeps pointers into vas and deployments, which
// it never modifies.
func Build(vas []v1alpha1.VariantAutoscaling, deployments []appsv1.Deployment, pods PodsOf) []*Model {
	deps := map[types.NamespacedName]*appsv1.Deployment{}
	for i := range deployments {
		d := &deployments[i]
		deps[types.NamespacedName{Namespace: d.Namespace, Name: d.Name}] = d
	}
	claims := map[types.NamespacedName][]string{}
	for i := range vas {
		va := &vas[i]
		if isDeployment(va.Spec.ScaleTargetRef) {
			k := types.NamespacedName{Namespace: va.Namespace, Name: va.Spec.ScaleTargetRef.Name}
			claims[k] = append(claims[k], va.Name)
		}
	}
	models := map[[2]string]*Model{}
	for i := range vas {
		v := buildVariant(&vas[i], deps, claims, pods)
		k := [2]string{v.VA.Namespace, v.VA.Spec.ModelID}
		if models[k] == nil {
			models[k] = &Model{Namespace: k[0], ModelID: k[1]}
		}
		models[k].Variants = append(models[k].Variants, v)
	}
	out := make([]*Model, 0, len(models))
	for _, m := range models {
		sort.Slice(m.Variants, func(i, j int) bool { return m.Variants[i].VA.Name < m.Variants[j].VA.Name })
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].ModelID < out[j].ModelID
	})
	return out
}

func buildVariant(va *v1alpha1.VariantAutoscaling, deps map[types.NamespacedName]*appsv1.Deployment, claims map[types.NamespacedName][]string, pods PodsOf) *Variant {
	v := &Variant{VA: va, Cost: parseCost(va.Spec.VariantCost)}
	ref := va.Spec.ScaleTargetRef
	if !isDeployment(ref) {
		v.UnsupportedKind = ref.APIVersion + "/" + ref.Kind
		v.Accelerator, v.AcceleratorFrom = Accelerator(va.Labels, nil)
		return v
	}
	key := types.NamespacedName{Namespace: va.Namespace, Name: ref.Name}
	for _, other := range claims[key] {
		if other != va.Name {
			v.ConflictsWith = append(v.ConflictsWith, other)
		}
	}
	sort.Strings(v.ConflictsWith)
	v.Target = deps[key]
	if v.Target == nil {
		v.Accelerator, v.AcceleratorFrom = Accelerator(va.Labels, nil)
		return v
	}
	v.Accelerator, v.AcceleratorFrom = Accelerator(va.Labels, &v.Target.Spec.Template)
	v.GPUsPerReplica = GPUsPerReplica(&v.Target.Spec.Template)
	if len(v.ConflictsWith) == 0 && pods != nil {
		v.Pods = pods(v.Target)
	}
	return v
}

// isDeployment accepts apps/v1 Deployments (apiVersion may be empty: the CRD defaults it).
func isDeployment(ref v1alpha1.CrossVersionObjectReference) bool {
	return ref.Kind == "Deployment" && (ref.APIVersion == "" || ref.APIVersion == "apps/v1")
}

func parseCost(s string) float64 {
	if s == "" {
		return DefaultCost
	}
	c, err := strconv.ParseFloat(s, 64)
	if err != nil || c < 0 {
		return DefaultCost
	}
	return c
}

// PodReady reports whether a pod's Ready condition is true.
func PodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
