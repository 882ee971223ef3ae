package localenv_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

var env *localenv.Env

func TestMain(m *testing.M) { os.Exit(localenvtest.Main(m, localenv.Options{}, &env)) }

// gpuDeployment is a Deployment of n replicas asking gpus GPUs each, pinned to nodes of
// one GPU product.
func gpuDeployment(ns, name, product string, n int32, gpus int, annotations map[string]string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	q := resource.MustParse(fmt.Sprint(gpus))
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{localenv.GPUProductLabel: product},
					Containers: []corev1.Container{{
						Name: "server", Image: "vllm/vllm-openai:latest",
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{localenv.GPUResource: q},
							Limits:   corev1.ResourceList{localenv.GPUResource: q},
						},
					}},
				},
			},
		},
	}
}

func newNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// eventually waits for cond; see localenvtest.Eventually.
func eventually(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	localenvtest.Eventually(t, timeout, cond)
}

func pods(t *testing.T, cs kubernetes.Interface, ns, app string) []corev1.Pod {
	t.Helper()
	list, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	return list.Items
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestGPUDeploymentGetsRunningPodsOnFakeNodes(t *testing.T) {
	cs, err := env.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, cs)
	const product = "NVIDIA-H100-80GB-HBM3"
	if _, err := cs.AppsV1().Deployments(ns).Create(context.Background(), gpuDeployment(ns, "llama", product, 3, 1, nil), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	_, cidr, err := net.ParseCIDR(env.PodCIDR)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, func() error {
		ps := pods(t, cs, ns, "llama")
		if len(ps) != 3 {
			return fmt.Errorf("%d pods, want 3", len(ps))
		}
		for _, p := range ps {
			if p.Status.Phase != corev1.PodRunning || !podReady(&p) {
				return fmt.Errorf("pod %s phase %s ready %v", p.Name, p.Status.Phase, podReady(&p))
			}
		}
		return nil
	})
	for _, p := range pods(t, cs, ns, "llama") {
		node, err := cs.CoreV1().Nodes().Get(context.Background(), p.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("pod %s on node %q: %v", p.Name, p.Spec.NodeName, err)
		}
		if got := node.Labels[localenv.GPUProductLabel]; got != product {
			t.Errorf("pod %s on node %s with GPU %q, want %q", p.Name, node.Name, got, product)
		}
		if ip := net.ParseIP(p.Status.PodIP); ip == nil || !cidr.Contains(ip) || !ip.IsLoopback() {
			t.Errorf("pod %s IP %q not a loopback address in %s", p.Name, p.Status.PodIP, env.PodCIDR)
		}
	}
	eventually(t, time.Minute, func() error {
		d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "llama", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if d.Status.ReadyReplicas != 3 {
			return fmt.Errorf("deployment ready replicas %d, want 3", d.Status.ReadyReplicas)
		}
		return nil
	})
}

func TestMoreGPUsThanNodesHaveLeavesPodsPending(t *testing.T) {
	cs, err := env.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, cs)
	// Two A100 nodes with 8 GPUs each fit two of these three Pods.
	if _, err := cs.AppsV1().Deployments(ns).Create(context.Background(), gpuDeployment(ns, "big", "NVIDIA-A100-SXM4-80GB", 3, 8, nil), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	eventually(t, 2*time.Minute, func() error {
		var running, unschedulable int
		for _, p := range pods(t, cs, ns, "big") {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
			for _, c := range p.Status.Conditions {
				if p.Status.Phase == corev1.PodPending && c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
					unschedulable++
				}
			}
		}
		if running != 2 || unschedulable != 1 {
			return fmt.Errorf("running %d (want 2), pending unschedulable %d (want 1)", running, unschedulable)
		}
		return nil
	})
	if err := cs.AppsV1().Deployments(ns).Delete(context.Background(), "big", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestStartupDelayKeepsPodRunningButNotReady(t *testing.T) {
	cs, err := env.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, cs)
	d := gpuDeployment(ns, "slow", "NVIDIA-H100-80GB-HBM3", 1, 1, map[string]string{localenv.StartupDelayAnnotation: "4s"})
	if _, err := cs.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	var sawLoading bool
	eventually(t, 2*time.Minute, func() error {
		ps := pods(t, cs, ns, "slow")
		if len(ps) != 1 {
			return fmt.Errorf("%d pods, want 1", len(ps))
		}
		p := ps[0]
		if p.Status.Phase == corev1.PodRunning && !podReady(&p) {
			sawLoading = true
		}
		if !podReady(&p) {
			return fmt.Errorf("pod %s phase %s not ready", p.Name, p.Status.Phase)
		}
		return nil
	})
	if !sawLoading {
		t.Fatal("the pod never showed Running-but-not-Ready while its startup delay ran")
	}
	// As on a real node, the Pod was scheduled before its start-up ran, and Ready after:
	// scheduled → Ready is the start-up time (what HYBRID mode's forecast horizon uses).
	p := pods(t, cs, ns, "slow")[0]
	var scheduled, ready time.Time
	for _, c := range p.Status.Conditions {
		switch c.Type {
		case corev1.PodScheduled:
			scheduled = c.LastTransitionTime.Time
		case corev1.PodReady:
			ready = c.LastTransitionTime.Time
		}
	}
	if d := ready.Sub(scheduled); scheduled.IsZero() || d < 3*time.Second {
		t.Errorf("PodScheduled at %v, Ready at %v: %v apart, want the 4s start-up delay", scheduled, ready, d)
	}
}
