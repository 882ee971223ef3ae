package collector

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// k8sFixture creates objects on a real API server the way the Deployment controller
// would: a Deployment, a ReplicaSet it controls, Pods the ReplicaSet controls.
type k8sFixture struct {
	t  *testing.T
	c  client.Client
	ns string
}

func (f *k8sFixture) create(obj client.Object) {
	f.t.Helper()
	if err := f.c.Create(context.Background(), obj); err != nil {
		f.t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

func (f *k8sFixture) deployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "vllm", Image: "vllm/vllm-openai"}}},
			},
		},
	}
	f.create(d)
	return d
}

func (f *k8sFixture) replicaSet(d *appsv1.Deployment, suffix string) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: f.ns, Name: d.Name + "-" + suffix,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1), Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	f.create(rs)
	return rs
}

// pod creates a Pod owned by rs (nil: no owner) with the given container ports,
// annotations and IP (set through the status subresource, as a kubelet would).
func (f *k8sFixture) pod(rs *appsv1.ReplicaSet, name, ip string, ports []corev1.ContainerPort, ann map[string]string) *corev1.Pod {
	f.t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name, Annotations: ann},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "vllm", Image: "vllm/vllm-openai", Ports: ports}}},
	}
	if rs != nil {
		p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}
		p.Labels = rs.Spec.Template.Labels
	}
	f.create(p)
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip}
	if err := f.c.Status().Update(context.Background(), p); err != nil {
		f.t.Fatalf("set status of %s: %v", name, err)
	}
	return p
}

// The Mapper finds a Deployment's live Pods through the ReplicaSets it controls (two
// during a rollout), by the informer cache's indexes: not a Pod of another Deployment, not
// a bare Pod with the same labels, not a failed one.
func TestMapperTiesPodsToVariantsThroughReplicaSetsAndDeployments(t *testing.T) {
	env := localenvtest.Start(t, localenv.Options{ControlPlaneOnly: true})
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	informers, err := cache.New(env.Config, cache.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	if err := RegisterIndexes(ctx, informers); err != nil {
		t.Fatal(err)
	}
	go func() { _ = informers.Start(ctx) }()

	ns := "mapper"
	f := &k8sFixture{t: t, c: c, ns: ns}
	f.create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	// No controller-manager creates the default service account Pods need.
	f.create(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}})
	metricsPort := []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}, {Name: "metrics", ContainerPort: 9090}}
	httpPort := []corev1.ContainerPort{{Name: "grpc", ContainerPort: 7000}, {Name: "http", ContainerPort: 8000}}

	h100 := f.deployment("llama-h100")
	h100Old, h100New := f.replicaSet(h100, "old"), f.replicaSet(h100, "new") // mid-rollout: two ReplicaSets
	f.pod(h100Old, "llama-h100-old-1", "127.9.0.1", metricsPort, nil)
	f.pod(h100New, "llama-h100-new-1", "127.9.0.2", httpPort, map[string]string{AnnotationMetricsPort: "9100", AnnotationMetricsPath: "/vllm/metrics"})
	a100 := f.deployment("llama-a100")
	f.pod(f.replicaSet(a100, "x"), "llama-a100-x-1", "127.9.0.3", httpPort, nil)
	other := f.deployment("not-a-variant")
	f.pod(f.replicaSet(other, "y"), "not-a-variant-y-1", "127.9.0.4", httpPort, nil)
	f.pod(nil, "bare-pod", "127.9.0.5", httpPort, nil)
	failed := f.pod(f.replicaSet(a100, "z"), "llama-a100-z-1", "127.9.0.6", httpPort, nil)
	failed.Status.Phase = corev1.PodFailed
	if err := c.Status().Update(ctx, failed); err != nil {
		t.Fatal(err)
	}

	want := map[string][]Pod{
		"llama-h100": {
			{Name: "llama-h100-new-1", IP: "127.9.0.2", MetricsPort: 9100, MetricsPath: "/vllm/metrics"},
			{Name: "llama-h100-old-1", IP: "127.9.0.1", MetricsPort: 9090, MetricsPath: "/metrics"},
		},
		"llama-a100": {{Name: "llama-a100-x-1", IP: "127.9.0.3", MetricsPort: 8000, MetricsPath: "/metrics"}},
		"absent":     nil,
	}
	mapper := NewMapper(informers)
	eventually(t, time.Minute, func() error {
		for target, w := range want {
			pods, err := mapper.PodsOf(ctx, ns, target)
			if err != nil {
				return err
			}
			var got []Pod
			for _, p := range pods {
				got = append(got, PodEndpoint(p))
			}
			if !reflect.DeepEqual(got, w) {
				return fmt.Errorf("Deployment %s: Pods %+v, want %+v", target, got, w)
			}
		}
		return nil
	})
}
