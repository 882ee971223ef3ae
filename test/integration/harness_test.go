package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

const (
	systemNamespace = harness.SystemNamespace
	repoRoot        = "../.."
)

// suite is what every test shares: one control plane, one Prometheus, one exporter, the
// built manager binary and a kubeconfig of the manager's ServiceAccount.
type suite struct {
	env      *localenv.Env
	prom     *localenv.Prometheus
	exp      *exporter
	wvaBin   string
	saConfig string
	client   client.Client
	tmp      string
}

var s suite

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "wva-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	s.tmp = tmp
	env, err := localenv.Start(ctx, localenv.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local environment:", err)
		return 1
	}
	defer env.Stop()
	s.env = env
	code := func() int {
		if err := s.setUp(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "set up:", err)
			return 1
		}
		return m.Run()
	}()
	if code != 0 {
		env.DumpLogs(os.Stderr, 40)
	}
	if s.prom != nil {
		s.prom.Stop()
	}
	return code
}

func (st *suite) setUp(ctx context.Context) error {
	// The install manifests, server-side applied as a user would.
	if err := st.env.ApplyFiles(ctx, filepath.Join(repoRoot, "config/crd/bases"), filepath.Join(repoRoot, "config/rbac"), filepath.Join(repoRoot, "config/manager")); err != nil {
		return fmt.Errorf("apply config/: %w", err)
	}
	var err error
	if st.wvaBin, err = harness.BuildManager(repoRoot, st.tmp); err != nil {
		return err
	}
	if st.saConfig, err = harness.ServiceAccountKubeconfig(ctx, st.env, filepath.Join(st.tmp, "wva-sa.kubeconfig")); err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	if st.client, err = client.New(st.env.Config, client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	st.exp = startExporterAt()
	st.prom, err = localenv.StartPrometheus(ctx, localenv.PrometheusOptions{
		BinDir: st.env.BinDir, HonorLabels: true, ScrapeInterval: time.Second,
		Targets: []localenv.ScrapeTarget{{Address: st.exp.addr}},
	})
	if err != nil {
		return fmt.Errorf("start Prometheus: %w", err)
	}
	return nil
}

// startManager runs the built manager as its ServiceAccount with the documented
// environment, the suite's Prometheus, and env on top; see harness.StartManager.
func startManager(t *testing.T, name string, env ...string) *harness.Manager {
	t.Helper()
	return harness.StartManager(t, harness.ManagerOptions{
		Bin: s.wvaBin, Kubeconfig: s.saConfig, Name: name,
		Env: append([]string{"POD_NAMESPACE=" + systemNamespace, "PROMETHEUS_BASE_URL=" + s.prom.URL}, env...),
	})
}

// metricsOf returns a manager's /metrics text, failing the test if it cannot be read.
func metricsOf(t *testing.T, m *harness.Manager) string {
	t.Helper()
	body, err := m.Metrics()
	if err != nil {
		t.Fatalf("curl /metrics of %s: %v", m.Name, err)
	}
	return body
}

func freePort(t *testing.T) int { return harness.FreePort(t) }

// newNamespace creates a fresh namespace for one scenario.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "it-"}}
	if err := s.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}
