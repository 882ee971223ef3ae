package podserver

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Pod annotations and labels the runner reads.
const (
	// ModelAnnotation names the served model when the container has no --model argument.
	ModelAnnotation = "wva.llmd.ai/model"
	// PortName is the container port the server listens on, as vLLM's Pods name it.
	PortName = "http"
	// GPUProductLabel is the node label that tells the accelerator, set by GPU feature
	// discovery in a real cluster and by localenv on fake nodes.
	GPUProductLabel = "nvidia.com/gpu.product"
)

// DefaultProfiles maps a substring of the node's GPU product label to a
// servermodel profile name; the first match in this order wins.
func DefaultProfiles() []ProfileRule {
	return []ProfileRule{
		{Match: "H100", Profile: "llama-3.1-8b-h100-80gb"},
		{Match: "A100", Profile: "llama-3.1-8b-a100-80gb"},
		{Match: "L4", Profile: "llama-3.1-8b-l4-24gb"},
	}
}

// ProfileRule picks a performance profile for nodes whose GPU product contains Match.
type ProfileRule struct {
	// Match is a case-sensitive substring of the nvidia.com/gpu.product label.
	Match string
	// Profile is a servermodel profile name.
	Profile string
}

// endpoint is what the runner needs to serve one Pod.
type endpoint struct {
	model string
	port  int32
}

// modelServerOf returns the model and port of a Pod that looks like a model server (a
// container port named http and a model from --model or the annotation), or ok=false.
func modelServerOf(p *corev1.Pod) (endpoint, bool) {
	for _, c := range p.Spec.Containers {
		for _, port := range c.Ports {
			if port.Name != PortName {
				continue
			}
			model := modelArg(append(append([]string{}, c.Command...), c.Args...))
			if model == "" {
				model = p.Annotations[ModelAnnotation]
			}
			if model == "" {
				return endpoint{}, false
			}
			return endpoint{model: model, port: port.ContainerPort}, true
		}
	}
	return endpoint{}, false
}

// modelArg finds vLLM's --model argument in either "--model X" or "--model=X" form.
func modelArg(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--model="); ok {
			return v
		}
		if a == "--model" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// ModelServer tells whether a Pod is a model server, by the convention the runner and
// the gateway share: a container port named http, and the model from the container's
// --model argument or the wva.llmd.ai/model annotation.
func ModelServer(p *corev1.Pod) (model string, port int32, ok bool) {
	ep, ok := modelServerOf(p)
	return ep.model, ep.port, ok
}

// PodReady reports the Pod's Ready condition, which kwok sets after the start-up delay;
// only Ready Pods should receive traffic.
func PodReady(p *corev1.Pod) bool { return podReady(p) }

// running reports whether kwok has started the Pod and given it an address, and it is
// not being deleted.
func running(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" && p.DeletionTimestamp == nil
}

// podReady reports the Pod's Ready condition: kwok sets it after the start-up delay.
func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// profileFor picks the profile of a GPU product label.
func profileFor(rules []ProfileRule, product string) (string, error) {
	for _, r := range rules {
		if strings.Contains(product, r.Match) {
			return r.Profile, nil
		}
	}
	return "", fmt.Errorf("no performance profile for GPU product %q", product)
}
