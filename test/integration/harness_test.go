package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

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
	// directConfig is the kubeconfig of harness.DirectModeServiceAccount, which has the
	// direct-actuation component's rule as well.
	directConfig string
	client       client.Client
	tmp          string
}

var s suite

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	// What this process logs through controller-runtime (its clients' API warnings) goes
	// to stderr; unset, controller-runtime would drop it and print a stack trace instead.
	log.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
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
	if err := harness.CreateServiceAccount(ctx, st.env, harness.DirectModeServiceAccount); err != nil {
		return err
	}
	if err := harness.BindManagerRBAC(ctx, st.env, repoRoot, systemNamespace, harness.DirectModeServiceAccount, true); err != nil {
		return fmt.Errorf("grant direct actuation: %w", err)
	}
	if st.directConfig, err = harness.ServiceAccountKubeconfigFor(ctx, st.env, harness.SystemNamespace, harness.DirectModeServiceAccount, filepath.Join(st.tmp, "wva-direct.kubeconfig")); err != nil {
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

// startManager runs the built manager as its ServiceAccount (config/rbac's rules) with the
// documented environment, the suite's Prometheus, and env on top; see
// harness.StartManager. With ACTUATION_MODE=direct it runs as
// harness.DirectModeServiceAccount, which also has config/components/direct-actuation's.
func startManager(t *testing.T, name string, env ...string) *harness.Manager {
	t.Helper()
	kubeconfig := s.saConfig
	if slices.Contains(env, "ACTUATION_MODE=direct") {
		kubeconfig = s.directConfig
	}
	return harness.StartManager(t, harness.ManagerOptions{
		Bin: s.wvaBin, Kubeconfig: kubeconfig, Name: name,
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

// newNamespace creates a fresh namespace for one scenario and deletes it when the test
// ends; see releaseNamespace.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "it-"}}
	if err := s.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { releaseNamespace(t, ns.Name) })
	return ns.Name
}

// releaseNamespace deletes a scenario's namespace and its exporter series, and waits
// until its Pods are gone. The fake nodes' GPUs are shared by the whole suite: a scenario
// that kept its Pods (or an HPA scaling them) would leave the next one's Pods
// unschedulable, pending for ever, and every scale-up it expects held. The Deployments,
// ReplicaSets and Pods go first, directly: the namespace controller alone takes seconds
// per namespace. It runs after the scenario's managers have stopped (cleanups run last
// in, first out), so no controller acts on the deletion.
func releaseNamespace(t *testing.T, ns string) {
	t.Helper()
	ctx := context.Background()
	s.exp.forget(ns)
	bg := client.PropagationPolicy(metav1.DeletePropagationBackground)
	if err := s.client.DeleteAllOf(ctx, &appsv1.Deployment{}, client.InNamespace(ns), bg); err != nil {
		t.Errorf("delete deployments of %s: %v", ns, err)
	}
	if err := s.client.DeleteAllOf(ctx, &appsv1.ReplicaSet{}, client.InNamespace(ns), bg); err != nil {
		t.Errorf("delete replicasets of %s: %v", ns, err)
	}
	if err := s.client.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns)); err != nil {
		t.Errorf("delete pods of %s: %v", ns, err)
	}
	err := s.client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	if client.IgnoreNotFound(err) != nil {
		t.Errorf("delete namespace %s: %v", ns, err)
		return
	}
	eventually(t, patience, func() error {
		var pods corev1.PodList
		if err := s.client.List(ctx, &pods, client.InNamespace(ns)); err != nil {
			return err
		}
		if n := len(pods.Items); n > 0 {
			return fmt.Errorf("namespace %s still has %d pod(s) holding GPUs", ns, n)
		}
		return nil
	})
}
