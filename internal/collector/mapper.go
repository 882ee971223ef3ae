package collector

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Annotations a Pod may carry to say where its metrics are, as many scrape configs read.
const (
	// AnnotationMetricsPort overrides the metrics port found in the Pod spec.
	AnnotationMetricsPort = "prometheus.io/port"
	// AnnotationMetricsPath overrides the metrics path, /metrics by default.
	AnnotationMetricsPath = "prometheus.io/path"
	// DefaultMetricsPath is where vLLM serves its metrics.
	DefaultMetricsPath = "/metrics"
)

// Mapper ties Pods to variants: Pod → owning ReplicaSet → Deployment → the variant whose
// VariantAutoscaling targets that Deployment. It reads a client.Reader, normally the
// manager's informer cache, so one cycle costs two cached List calls per namespace and
// no API request.
type Mapper struct {
	reader client.Reader
}

// NewMapper returns a Mapper reading from r (the manager's cache in production).
func NewMapper(r client.Reader) *Mapper { return &Mapper{reader: r} }

// Resolve returns a copy of models with every variant's Pods filled in: the live
// (not terminating, not finished) Pods owned, through a ReplicaSet, by the variant's
// target Deployment. When two variants target one Deployment its Pods go to the first.
func (m *Mapper) Resolve(ctx context.Context, models []Model) ([]Model, error) {
	out := make([]Model, len(models))
	byNamespace := map[string][]int{}
	for i, md := range models {
		out[i] = md
		out[i].Variants = make([]Variant, len(md.Variants))
		for j, v := range md.Variants {
			out[i].Variants[j] = Variant{Name: v.Name, Target: v.Target}
		}
		byNamespace[md.Namespace] = append(byNamespace[md.Namespace], i)
	}
	for ns, idx := range byNamespace {
		owners, err := m.deploymentOfReplicaSets(ctx, ns)
		if err != nil {
			return nil, err
		}
		if err := m.assignPods(ctx, ns, owners, out, idx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deploymentOfReplicaSets maps each ReplicaSet (by UID) of the namespace to the name
// of the Deployment that controls it.
func (m *Mapper) deploymentOfReplicaSets(ctx context.Context, ns string) (map[types.UID]string, error) {
	var list appsv1.ReplicaSetList
	if err := m.reader.List(ctx, &list, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list ReplicaSets in %s: %w", ns, err)
	}
	owners := make(map[types.UID]string, len(list.Items))
	for i := range list.Items {
		if ref := metav1.GetControllerOf(&list.Items[i]); ref != nil && ref.Kind == "Deployment" && isAppsGroup(ref.APIVersion) {
			owners[list.Items[i].UID] = ref.Name
		}
	}
	return owners, nil
}

// assignPods lists the namespace's Pods and appends each to the variant targeting its
// Deployment.
func (m *Mapper) assignPods(ctx context.Context, ns string, owners map[types.UID]string, models []Model, idx []int) error {
	type slot struct{ model, variant int }
	byTarget := map[string]slot{}
	for _, i := range idx {
		for j, v := range models[i].Variants {
			if _, taken := byTarget[v.Target]; !taken {
				byTarget[v.Target] = slot{i, j}
			}
		}
	}
	var pods corev1.PodList
	if err := m.reader.List(ctx, &pods, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list Pods in %s: %w", ns, err)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if !live(p) {
			continue
		}
		ref := metav1.GetControllerOf(p)
		if ref == nil || ref.Kind != "ReplicaSet" || !isAppsGroup(ref.APIVersion) {
			continue
		}
		s, ok := byTarget[owners[ref.UID]]
		if !ok || owners[ref.UID] == "" {
			continue
		}
		v := &models[s.model].Variants[s.variant]
		v.Pods = append(v.Pods, podEndpoint(p))
	}
	return nil
}

func isAppsGroup(apiVersion string) bool { return apiVersion == "apps/v1" }

// live reports whether a Pod counts as a replica: not being deleted and not finished.
func live(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// podEndpoint reads where a Pod serves its metrics: the port from the annotation, else
// the first container port named "metrics", else "http"; the path from the annotation,
// else /metrics. A Pod without either has MetricsPort zero and cannot be scraped.
func podEndpoint(p *corev1.Pod) Pod {
	out := Pod{Name: p.Name, IP: p.Status.PodIP, MetricsPath: DefaultMetricsPath}
	if path := p.Annotations[AnnotationMetricsPath]; path != "" {
		out.MetricsPath = path
	}
	if port, err := strconv.Atoi(p.Annotations[AnnotationMetricsPort]); err == nil && port > 0 && port < 65536 {
		out.MetricsPort = port
		return out
	}
	for _, name := range [...]string{"metrics", "http"} {
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == name {
					out.MetricsPort = int(cp.ContainerPort)
					return out
				}
			}
		}
	}
	return out
}
