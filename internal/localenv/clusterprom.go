package localenv

import (
	"fmt"
	"path/filepath"
	"time"

	"sigs.k8s.io/yaml"
)

// ClusterPrometheusConfig is a Prometheus configuration like a cluster's: job
// "model-servers" discovers Pods from the environment's API server (Kubernetes service
// discovery, role pod, with the admin kubeconfig) and keeps the Running containers
// with a port named http, labelled namespace and pod as the usual PodMonitor
// relabelling does; job "wva" scrapes the controllers listed in controllersFile
// (file-based discovery, so controllers can come and go), each target labelled as a
// Pod of the controller's namespace would be, so WVA's own namespace label becomes
// exported_namespace as it does in a cluster; job "gateways" scrapes the inference
// gateways listed in GatewayTargetsFile(controllersFile) every GatewayScrapeInterval, so
// that a request waiting for a model at zero is seen within half a second.
func ClusterPrometheusConfig(kubeconfig, controllersFile string, interval time.Duration) (string, error) {
	iv := interval.String()
	cfg := map[string]any{
		"global": map[string]any{"scrape_interval": iv, "scrape_timeout": iv, "evaluation_interval": iv},
		"scrape_configs": []any{
			map[string]any{
				"job_name": "model-servers",
				"kubernetes_sd_configs": []any{map[string]any{
					"role": "pod", "kubeconfig_file": kubeconfig,
				}},
				"relabel_configs": []any{
					map[string]any{"source_labels": []string{"__meta_kubernetes_pod_container_port_name"}, "regex": "http", "action": "keep"},
					map[string]any{"source_labels": []string{"__meta_kubernetes_pod_phase"}, "regex": "Running", "action": "keep"},
					map[string]any{"source_labels": []string{"__meta_kubernetes_namespace"}, "target_label": "namespace"},
					map[string]any{"source_labels": []string{"__meta_kubernetes_pod_name"}, "target_label": "pod"},
				},
			},
			map[string]any{
				"job_name":        "wva",
				"file_sd_configs": []any{map[string]any{"files": []string{controllersFile}, "refresh_interval": iv}},
			},
			map[string]any{
				"job_name":        "gateways",
				"scrape_interval": GatewayScrapeInterval.String(),
				"scrape_timeout":  GatewayScrapeInterval.String(),
				"file_sd_configs": []any{map[string]any{"files": []string{GatewayTargetsFile(controllersFile)}, "refresh_interval": iv}},
			},
		},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encode cluster Prometheus config: %w", err)
	}
	return string(out), nil
}

// GatewayScrapeInterval is how often the cluster Prometheus scrapes the gateways' queue:
// the scale-from-zero fast path sees a waiting request at most this long after it arrived.
const GatewayScrapeInterval = 500 * time.Millisecond

// GatewayTargetsFile is the file-SD file of the "gateways" job, beside controllersFile;
// write it with WriteTargets, each gateway labelled with the namespace it serves.
func GatewayTargetsFile(controllersFile string) string {
	return filepath.Join(filepath.Dir(controllersFile), "gateways.json")
}
