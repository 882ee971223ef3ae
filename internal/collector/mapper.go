package collector

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// Index names of the informer cache indexes the Mapper reads.
const (
	// IndexControllerDeployment indexes ReplicaSets by the Deployment that controls them.
	IndexControllerDeployment = "wva.llmd.ai/controller-deployment"
	// IndexControllerReplicaSet indexes Pods by the ReplicaSet that controls them.
	IndexControllerReplicaSet = "wva.llmd.ai/controller-replicaset"
)

// Mapper ties Pods to variants: Pod → owning ReplicaSet → Deployment → the variant whose
// VariantAutoscaling targets that Deployment. It reads the manager's informer cache
// through two indexes (RegisterIndexes): ReplicaSets by their controlling Deployment and
// Pods by their controlling ReplicaSet, so a variant's Pods cost lookups in proportion to
// their number, never a scan of the namespace's or the cluster's Pods, and no API request.
// ReplicaSets are cached as metadata only (PartialObjectMetadata): ownership is all WVA
// reads of them.
type Mapper struct {
	reader client.Reader
}

// NewMapper returns a Mapper reading from r, a cache with the indexes RegisterIndexes adds.
func NewMapper(r client.Reader) *Mapper { return &Mapper{reader: r} }

// ReplicaSetMetadata is the form in which ReplicaSets are cached and listed: metadata only.
func ReplicaSetMetadata() *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "ReplicaSet"}}
}

// RegisterIndexes adds the Mapper's indexes to a cache; call it before the cache starts.
func RegisterIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, ReplicaSetMetadata(), IndexControllerDeployment, controllerNamed("Deployment")); err != nil {
		return fmt.Errorf("index ReplicaSets by Deployment: %w", err)
	}
	if err := indexer.IndexField(ctx, &corev1.Pod{}, IndexControllerReplicaSet, controllerNamed("ReplicaSet")); err != nil {
		return fmt.Errorf("index Pods by ReplicaSet: %w", err)
	}
	return nil
}

// controllerNamed indexes an object by the name of its apps/v1 controller of that kind.
func controllerNamed(kind string) client.IndexerFunc {
	return func(o client.Object) []string {
		if ref := metav1.GetControllerOf(o); ref != nil && ref.Kind == kind && isAppsGroup(ref.APIVersion) {
			return []string{ref.Name}
		}
		return nil
	}
}

// PodsOf returns the live (not terminating, not finished) Pods that the Deployment
// namespace/name controls through its ReplicaSets, sorted by name. They are the cache's
// own objects, not copies: read-only.
func (m *Mapper) PodsOf(ctx context.Context, namespace, deployment string) ([]*corev1.Pod, error) {
	sets := metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "ReplicaSetList"}}
	if err := m.reader.List(ctx, &sets, client.InNamespace(namespace), client.MatchingFields{IndexControllerDeployment: deployment}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list ReplicaSets of Deployment %s/%s: %w", namespace, deployment, err)
	}
	var out []*corev1.Pod
	for i := range sets.Items {
		var pods corev1.PodList
		if err := m.reader.List(ctx, &pods, client.InNamespace(namespace), client.MatchingFields{IndexControllerReplicaSet: sets.Items[i].Name}, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("list Pods of ReplicaSet %s/%s: %w", namespace, sets.Items[i].Name, err)
		}
		for j := range pods.Items {
			if p := &pods.Items[j]; live(p) {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func isAppsGroup(apiVersion string) bool { return apiVersion == "apps/v1" }

// live reports whether a Pod counts as a replica: not being deleted and not finished.
func live(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// PodEndpoint reads where a Pod serves its metrics: the port from the annotation, else
// the first container port named "metrics", else "http"; the path from the annotation,
// else /metrics. A Pod without either has MetricsPort zero and cannot be scraped.
func PodEndpoint(p *corev1.Pod) Pod {
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
