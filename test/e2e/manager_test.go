package e2e

import (
	"context"
	"slices"
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
	// The manager's ConfigMaps and Lease are in ns: it gets the install's Role there. A
	// direct-mode manager runs as an account of its own that also has the direct-actuation
	// component's rule, so the others keep exactly the metrics-mode rules.
	direct := slices.Contains(env, "ACTUATION_MODE=direct")
	sa, kubeconfig := harness.ServiceAccount, s.saConfig
	if direct {
		sa, kubeconfig = harness.DirectModeServiceAccount, s.directConfig
	}
	if err := harness.BindManagerRBAC(context.Background(), s.env, repoRoot, ns, sa, direct); err != nil {
		t.Fatal(err)
	}
	m := harness.StartManager(t, harness.ManagerOptions{
		Bin: s.wvaBin, Kubeconfig: kubeconfig, Name: "wva-" + ns, LogDir: s.logDir,
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
