package localenv

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// The cluster-like Prometheus configuration discovers Pods through the given kubeconfig
// and relabels them as a PodMonitor would; the WVA job reads the controllers file.
func TestClusterPrometheusConfig(t *testing.T) {
	out, err := ClusterPrometheusConfig("/k/kubeconfig", "/p/targets.json", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, out)
	}
	for _, want := range []string{"kubeconfig_file: /k/kubeconfig", "role: pod", "target_label: namespace", "target_label: pod", "/p/targets.json", "scrape_interval: 2s", "regex: http", "/p/gateways.json", "scrape_interval: 500ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %q:\n%s", want, out)
		}
	}
}

// The APIService points at the ExternalName Service with the server's port and CA, or
// skips verification when there is no CA (a self-signed server).
func TestExternalMetricsAPIService(t *testing.T) {
	out := externalMetricsAPIService(AdapterNamespace, AdapterService, 6443, []byte("CA"))
	for _, want := range []string{"externalName: localhost", "name: v1beta1.external.metrics.k8s.io", "port: 6443", "caBundle: Q0E="} {
		if !strings.Contains(out, want) {
			t.Errorf("manifest lacks %q:\n%s", want, out)
		}
	}
	out = externalMetricsAPIService("wva", "wva-external-metrics", 7443, nil)
	for _, want := range []string{"insecureSkipTLSVerify: true", "name: wva-external-metrics", "port: 7443"} {
		if !strings.Contains(out, want) || strings.Contains(out, "caBundle") {
			t.Errorf("manifest lacks %q or has a caBundle:\n%s", want, out)
		}
	}
	if _, err := decodeYAML([]byte(out)); err != nil {
		t.Errorf("not YAML: %v", err)
	}
}
