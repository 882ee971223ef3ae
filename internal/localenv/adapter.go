package localenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
)

// AdapterNamespace and AdapterService name the Service the external metrics APIService
// points at.
const (
	AdapterNamespace = "custom-metrics"
	AdapterService   = "prometheus-adapter"
)

// Adapter is a running prometheus-adapter serving external.metrics.k8s.io.
type Adapter struct {
	// LogPath is the adapter's log file.
	LogPath string
	// Port is its HTTPS port on 127.0.0.1.
	Port int
	// CAPEM is the CA of its serving certificate, for re-registering it (RegisterExternalMetrics).
	CAPEM []byte

	proc *process
}

// StartAdapter starts prometheus-adapter (from the environment's BinDir) against the
// Prometheus at promURL with the given rules, registers it as
// v1beta1.external.metrics.k8s.io (an APIService pointing at a Service of type
// ExternalName localhost, so no kube-proxy is needed), and waits until the API server
// reports the APIService Available. The adapter authenticates the API server's
// front-proxy requests with the environment's request-header CA.
func StartAdapter(ctx context.Context, env *Env, promURL, rulesYAML string) (*Adapter, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	dir := filepath.Join(env.Dir, "adapter")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("adapter directory: %w", err)
	}
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte(rulesYAML), 0o644); err != nil {
		return nil, fmt.Errorf("write adapter rules: %w", err)
	}
	caPEM, certFile, keyFile, err := adapterServingCert(dir)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p, err := startProcess("prometheus-adapter", env.bin("prometheus-adapter"), []string{
		"--secure-port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--tls-cert-file=" + certFile, "--tls-private-key-file=" + keyFile,
		"--lister-kubeconfig=" + env.Kubeconfig,
		"--authentication-kubeconfig=" + env.Kubeconfig,
		"--authorization-kubeconfig=" + env.Kubeconfig,
		"--prometheus-url=" + promURL,
		"--metrics-relist-interval=5s",
		"--config=" + rules,
		"--v=2",
	}, dir)
	if err != nil {
		return nil, err
	}
	a := &Adapter{LogPath: p.logPath, Port: port, CAPEM: caPEM, proc: p}
	env.procs = append(env.procs, p) // stopped and logged with the environment
	if err := p.waitFor(ctx, "healthz", func() error { return httpsOK(ctx, port) }); err != nil {
		return nil, err
	}
	if err := RegisterExternalMetrics(ctx, env, AdapterNamespace, AdapterService, port, caPEM); err != nil {
		return nil, err
	}
	return a, nil
}

// RegisterExternalMetrics points v1beta1.external.metrics.k8s.io at a server listening on
// 127.0.0.1:port (through an ExternalName Service namespace/service, created with its
// namespace), replacing whichever server had it, and waits until the API server serves the
// group through it. A nil caPEM trusts the server's certificate without verifying it.
func RegisterExternalMetrics(ctx context.Context, env *Env, namespace, service string, port int, caPEM []byte) error {
	if err := env.ApplyYAML(ctx, externalMetricsAPIService(namespace, service, port, caPEM)); err != nil {
		return fmt.Errorf("register the external metrics API: %w", err)
	}
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		_, err := cs.Discovery().RESTClient().Get().AbsPath("/apis/external.metrics.k8s.io/v1beta1").DoRaw(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("external.metrics.k8s.io not served through %s/%s: %w", namespace, service, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// adapterServingCert issues the adapter's serving certificate for the Service name the
// aggregator verifies, from a CA of its own whose PEM goes into the APIService.
func adapterServingCert(dir string) (caPEM []byte, certFile, keyFile string, err error) {
	now := time.Now()
	ca, err := newAuthority("prometheus-adapter-ca", now)
	if err != nil {
		return nil, "", "", err
	}
	certPEM, keyPEM, err := ca.issue(certRequest{
		commonName: AdapterService,
		dnsNames:   []string{"localhost", AdapterService + "." + AdapterNamespace + ".svc"},
		ips:        []net.IP{net.ParseIP("127.0.0.1")},
		server:     true,
	}, now.UnixNano(), now)
	if err != nil {
		return nil, "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return nil, "", "", fmt.Errorf("write adapter certificate: %w", err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return nil, "", "", fmt.Errorf("write adapter key: %w", err)
	}
	return ca.pem, certFile, keyFile, nil
}
