package localenv

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// stagesYAML is the kwok Stage set: node and Pod lifecycles, with the Pod readiness delay
// read from the annotation StartupDelayAnnotation.
//
//go:embed stages.yaml
var stagesYAML []byte

const (
	// StartupDelayAnnotation on a Pod (template) delays its readiness by a duration such
	// as "20s", standing for the time a model server takes to load its weights.
	StartupDelayAnnotation = "wva.llmd.ai/startup-delay"
	// FaultAnnotation on a Running Pod makes kwok show a fault as a kubelet would:
	// FaultCrashLoop or FaultNotReady.
	FaultAnnotation = "wva.llmd.ai/fault"
	// FaultCrashLoop is a model server that keeps crashing: container waiting in
	// CrashLoopBackOff after 5 restarts (last exit code 1), the Pod not Ready.
	FaultCrashLoop = "crash-loop"
	// FaultNotReady is a model server whose readiness probe fails: container running, the
	// Pod not Ready.
	FaultNotReady = "not-ready"
	// GPUResource is the extended resource GPUs are requested by.
	GPUResource corev1.ResourceName = "nvidia.com/gpu"
	// GPUProductLabel names a node's GPU model, as NVIDIA's GPU feature discovery sets it.
	GPUProductLabel = "nvidia.com/gpu.product"
	// fakeNodeLabel marks the nodes kwok manages.
	fakeNodeLabel = "type"
	fakeNodeValue = "kwok"
)

func (e *Env) startKwok(ctx context.Context) error {
	stages := filepath.Join(e.Dir, "kwok-stages.yaml")
	if err := os.WriteFile(stages, stagesYAML, 0o644); err != nil {
		return fmt.Errorf("write kwok stages: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	p, err := e.run("kwok",
		"--kubeconfig="+e.Kubeconfig,
		"--config="+stages,
		"--manage-all-nodes=false",
		"--manage-nodes-with-label-selector="+fakeNodeLabel+"="+fakeNodeValue,
		"--cidr="+e.PodCIDR,
		"--node-ip=127.0.0.1",
		"--node-lease-duration-seconds=40",
		"--server-address="+hostPort(port),
	)
	if err != nil {
		return err
	}
	return p.waitFor(ctx, "healthz", func() error { return httpOK(ctx, "http://"+hostPort(port)+"/healthz") })
}

// registerNodes creates the fake GPU nodes and waits until kwok has made them Ready.
func (e *Env) registerNodes(ctx context.Context) error {
	cs, err := e.Clientset()
	if err != nil {
		return err
	}
	for _, n := range e.opts.Nodes {
		if err := e.AddNode(ctx, n); err != nil {
			return err
		}
	}
	kwok := e.procs[len(e.procs)-1]
	return kwok.waitFor(ctx, "nodes Ready", func() error {
		for _, n := range e.opts.Nodes {
			node, err := cs.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get node %s: %w", n.Name, err)
			}
			if !nodeReady(node) {
				return fmt.Errorf("node %s not Ready yet", n.Name)
			}
		}
		return nil
	})
}

// AddNode registers one more fake GPU node; kwok makes it Ready shortly after.
func (e *Env) AddNode(ctx context.Context, n Node) error {
	cs, err := e.Clientset()
	if err != nil {
		return err
	}
	pods := n.Pods
	if pods == 0 {
		pods = 110
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("64"),
		corev1.ResourceMemory: resource.MustParse("512Gi"),
		corev1.ResourcePods:   resource.MustParse(strconv.Itoa(pods)),
		GPUResource:           resource.MustParse(strconv.Itoa(n.GPUs)),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: n.Name,
			Labels: map[string]string{
				fakeNodeLabel:            fakeNodeValue,
				GPUProductLabel:          n.GPUProduct,
				"kubernetes.io/hostname": n.Name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
			},
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create node %s: %w", n.Name, err)
	}
	return nil
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
