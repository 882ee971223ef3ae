package e2e

import (
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// startManager runs the built manager (harness.StartManager) as its ServiceAccount with
// the documented environment: POD_NAMESPACE and CONTROLLER_INSTANCE are the scenario's
// namespace (its ConfigMaps live there), metrics on plain HTTP for the cluster Prometheus,
// plus env. With scraped set, the cluster Prometheus scrapes it as a Pod of the
// controller's namespace would be. The log is printed if the test fails.
func startManager(t *testing.T, ns, promURL string, scraped bool, env ...string) *harness.Manager {
	t.Helper()
	m := harness.StartManager(t, harness.ManagerOptions{
		Bin: s.wvaBin, Kubeconfig: s.saConfig, Name: "wva-" + ns, LogDir: s.logDir,
		Env: append([]string{"POD_NAMESPACE=" + ns, "CONTROLLER_INSTANCE=" + ns, "PROMETHEUS_BASE_URL=" + promURL}, env...),
	})
	if !scraped {
		return m
	}
	s.mu.Lock()
	s.controllers[ns] = localenv.ScrapeTarget{Address: m.MetricsAddr,
		Labels: map[string]string{"namespace": systemNamespace, "pod": m.Name}}
	s.mu.Unlock()
	if err := s.setControllers(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.mu.Lock()
		delete(s.controllers, ns)
		s.mu.Unlock()
		_ = s.setControllers()
	})
	return m
}
