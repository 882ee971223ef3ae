package demo

import (
	"fmt"
	"strings"
)

// Model is the model the demo serves, and its variants.
type Model struct {
	// ID is the OpenAI model name and the VA's modelID.
	ID string
	// Namespace holds the Deployments and VAs ("default", so `kubectl get va` shows them).
	Namespace string
	// Variants are the same model on different accelerators.
	Variants []Variant
	// StartupDelay stands for model loading: new Pods are Running but not Ready this long.
	StartupDelay string
}

// Variant is one Deployment of the model on one accelerator, with its cost and the
// server profile its simulated replicas run.
type Variant struct {
	// Name is the Deployment's and the VA's name.
	Name string
	// Accelerator is the VA's accelerator label (H100, A100).
	Accelerator string
	// GPUProduct is the node label its Pods select.
	GPUProduct string
	// Profile is the servermodel profile of its replicas.
	Profile string
	// Cost is the VA's variantCost: the price of one replica per hour, in any unit.
	Cost float64
	// Replicas is the Deployment's replica count at the start.
	Replicas int
}

// DefaultModel is Llama 3.1 8B on a faster, dearer H100 variant and a slower, cheaper
// A100 variant: about twice the throughput for 2.5 times the price, so the cheaper
// variant gives more capacity per unit of cost and WVA should prefer it.
func DefaultModel() Model {
	return Model{
		ID: "meta/llama-3.1-8b", Namespace: "default", StartupDelay: "10s",
		Variants: []Variant{
			{Name: "llama-8b-h100", Accelerator: "H100", GPUProduct: "NVIDIA-H100-80GB-HBM3", Profile: "llama-3.1-8b-h100-80gb", Cost: 50, Replicas: 1},
			{Name: "llama-8b-a100", Accelerator: "A100", GPUProduct: "NVIDIA-A100-SXM4-80GB", Profile: "llama-3.1-8b-a100-80gb", Cost: 20, Replicas: 1},
		},
	}
}

// ModelLabel on Pods names the model they serve: the model servers are started for the
// Pods that carry it.
const ModelLabel = "llm-d.ai/model"

// variantLabel on Pods names their variant, so signals map back without parsing names.
const variantLabel = "wva.llmd.ai/variant"

// Manifests are the Deployments and VariantAutoscalings of the model, as a user would
// apply them.
func (m Model) Manifests() string {
	var b strings.Builder
	for _, v := range m.Variants {
		fmt.Fprintf(&b, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app.kubernetes.io/name: %[3]s
spec:
  replicas: %[4]d
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
        %[5]s: %[3]s
        %[6]s: %[1]s
      annotations:
        wva.llmd.ai/startup-delay: %[7]q
        wva.llmd.ai/model-id: %[8]q
    spec:
      nodeSelector:
        nvidia.com/gpu.product: %[9]s
      containers:
      - name: vllm
        image: vllm/vllm-openai:latest
        args: ["--model", %[8]q]
        ports:
        - name: http
          containerPort: 8000
        resources:
          limits:
            nvidia.com/gpu: "1"
---
apiVersion: llmd.ai/v1alpha1
kind: VariantAutoscaling
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    inference.optimization/acceleratorName: %[10]s
spec:
  scaleTargetRef:
    kind: Deployment
    name: %[1]s
  modelID: %[8]s
  variantCost: "%.1[11]f"
---
`, v.Name, m.Namespace, m.shortName(), v.Replicas, ModelLabel, variantLabel, m.StartupDelay, m.ID, v.GPUProduct, v.Accelerator, v.Cost)
	}
	return b.String()
}

// shortName is a label-safe form of the model ID.
func (m Model) shortName() string {
	s := m.ID
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	return strings.NewReplacer(".", "-", "_", "-").Replace(strings.ToLower(s))
}
