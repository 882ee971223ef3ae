package e2e

import (
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// adapterRules reads the rules users are told to install, from the documented sample.
func adapterRules() (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/samples/prometheus-adapter-config.yaml"))
	if err != nil {
		return "", fmt.Errorf("read adapter sample: %w", err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(data, &cm); err != nil {
		return "", fmt.Errorf("decode adapter sample: %w", err)
	}
	rules := cm.Data["config.yaml"]
	if rules == "" {
		return "", fmt.Errorf("adapter sample has no config.yaml")
	}
	return rules, nil
}
