package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// ChartPath is the Helm chart, relative to the repository root.
const ChartPath = "charts/workload-variant-autoscaler"

// HelmTemplate renders the chart as `helm template RELEASE CHART --namespace NS
// --include-crds ARGS...` does, with the pinned helm from WVA_TOOLS_BIN, and decodes the
// objects.
func HelmTemplate(repoRoot, release, namespace string, args ...string) ([]*unstructured.Unstructured, error) {
	helm := filepath.Join(os.Getenv("WVA_TOOLS_BIN"), "helm")
	cmd := exec.Command(helm, append([]string{"template", release, filepath.Join(repoRoot, ChartPath), "--namespace", namespace, "--include-crds"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template %v: %w\n%s", args, err, stderr.String())
	}
	return DecodeYAML(out)
}

// Kustomize builds a kustomize folder with the pinned kubectl, as `kubectl apply -k` would.
func Kustomize(dir string) ([]*unstructured.Unstructured, error) {
	kubectl := filepath.Join(os.Getenv("WVA_TOOLS_BIN"), "kubectl")
	cmd := exec.Command(kubectl, "kustomize", "--load-restrictor=LoadRestrictionsNone", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kubectl kustomize %s: %w\n%s", dir, err, stderr.String())
	}
	return DecodeYAML(out)
}

// DecodeYAML splits a multi-document YAML stream into objects, skipping empty documents.
func DecodeYAML(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err.Error() == "EOF" {
				return objs, nil
			}
			return nil, fmt.Errorf("decode YAML: %w", err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// Find returns the first object of a kind and name ("" matches any name), or nil.
func Find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && (name == "" || o.GetName() == name) {
			return o
		}
	}
	return nil
}
