package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// hpaScaleDownWindow is the demo's HPA scale-down stabilisation window in seconds. The
// sample in config/samples/hpa.yaml uses 120 s; the demo uses less so that a scale-down
// fits in a few minutes of load (WVA itself already holds replicas for its one-minute
// peak window, so the HPA's window only adds to it).
const hpaScaleDownWindow = 15

// HPAManifests are one HPA per variant following WVA's wva_desired_replicas, as in
// config/samples/hpa.yaml (minReplicas 0 when scale to zero is on).
func (m Model) HPAManifests(scaleToZero bool) string {
	minReplicas := 1
	if scaleToZero {
		minReplicas = 0
	}
	var b strings.Builder
	for _, v := range m.Variants {
		fmt.Fprintf(&b, `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: %[1]s
  minReplicas: %[3]d
  maxReplicas: 10
  metrics:
  - type: External
    external:
      metric:
        name: wva_desired_replicas
        selector:
          matchLabels:
            variant_name: %[1]s
      target:
        type: AverageValue
        averageValue: "1"
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
    scaleDown:
      stabilizationWindowSeconds: %[4]d
---
`, v.Name, m.Namespace, minReplicas, hpaScaleDownWindow)
	}
	return b.String()
}

// adapterRules reads the prometheus-adapter rules users are told to install, from the
// documented sample ConfigMap.
func adapterRules(repo string) (string, error) {
	path := filepath.Join(repo, "config/samples/prometheus-adapter-config.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read adapter rules: %w", err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(data, &cm); err != nil {
		return "", fmt.Errorf("decode %s: %w", path, err)
	}
	rules := cm.Data["config.yaml"]
	if rules == "" {
		return "", fmt.Errorf("%s has no config.yaml", path)
	}
	return rules, nil
}
