package localenv

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Node is one fake GPU node kwok manages.
type Node struct {
	// Name of the Node object.
	Name string
	// GPUProduct is the nvidia.com/gpu.product label, e.g. NVIDIA-H100-80GB-HBM3.
	GPUProduct string
	// GPUs is the node's nvidia.com/gpu capacity.
	GPUs int
	// Pods is how many Pods the node takes; 110 (the kubelet's default) when zero.
	Pods int
}

// Options configure an environment. The zero value is usable: binaries from
// $WVA_TOOLS_BIN (or $KUBEBUILDER_ASSETS), a temporary directory, and DefaultNodes.
type Options struct {
	// BinDir holds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok.
	BinDir string
	// Dir receives certificates, kubeconfig, data and logs; a temporary one when empty.
	Dir string
	// Nodes are registered as fake GPU nodes; DefaultNodes when nil.
	Nodes []Node
	// PodCIDR is the loopback range kwok assigns Pod IPs from; a random 127.x.y.0/24
	// when empty, so environments running side by side do not share addresses.
	PodCIDR string
	// HPASyncPeriod is how often the HPA controller evaluates; 5s when zero.
	HPASyncPeriod time.Duration
	// ControllerManagerArgs are extra kube-controller-manager flags.
	ControllerManagerArgs []string
	// APIServerArgs are extra kube-apiserver flags.
	APIServerArgs []string
	// Progress receives one line per start-up step; nothing when nil.
	Progress io.Writer
	// StartTimeout bounds the whole start-up; 3 minutes when zero.
	StartTimeout time.Duration
	// ControlPlaneOnly starts just etcd and kube-apiserver, as envtest does, for tests that
	// need the API but no Pods.
	ControlPlaneOnly bool
}

// DefaultNodes are two nodes of a faster, dearer accelerator and two of a slower one.
func DefaultNodes() []Node {
	return []Node{
		{Name: "gpu-h100-0", GPUProduct: "NVIDIA-H100-80GB-HBM3", GPUs: 8},
		{Name: "gpu-h100-1", GPUProduct: "NVIDIA-H100-80GB-HBM3", GPUs: 8},
		{Name: "gpu-a100-0", GPUProduct: "NVIDIA-A100-SXM4-80GB", GPUs: 8},
		{Name: "gpu-a100-1", GPUProduct: "NVIDIA-A100-SXM4-80GB", GPUs: 8},
	}
}

// withDefaults fills what the caller left empty.
func (o Options) withDefaults() (Options, error) {
	if o.BinDir == "" {
		o.BinDir = os.Getenv("WVA_TOOLS_BIN")
	}
	if o.BinDir == "" {
		o.BinDir = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if o.BinDir == "" {
		return o, fmt.Errorf("no binaries: set WVA_TOOLS_BIN (run `make tools`, or run tests with `make test`)")
	}
	need := []string{"etcd", "kube-apiserver"}
	if !o.ControlPlaneOnly {
		need = append(need, "kube-controller-manager", "kube-scheduler", "kwok")
	}
	for _, b := range need {
		if _, err := os.Stat(filepath.Join(o.BinDir, b)); err != nil {
			return o, fmt.Errorf("binary %s missing from %s: run `make tools`: %w", b, o.BinDir, err)
		}
	}
	if o.Nodes == nil {
		o.Nodes = DefaultNodes()
	}
	if o.PodCIDR == "" {
		o.PodCIDR = fmt.Sprintf("127.%d.%d.0/24", 2+rand.IntN(250), rand.IntN(256))
	}
	if o.HPASyncPeriod == 0 {
		o.HPASyncPeriod = 5 * time.Second
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 3 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o, nil
}
