package e2e

import (
	"context"
	"fmt"
	"github.com/workload-variant-autoscaler/wva/test/harness"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/podserver"
)

const (
	repoRoot        = "../.."
	systemNamespace = "workload-variant-autoscaler-system"
	serviceAccount  = "workload-variant-autoscaler-controller-manager"
	instanceLabel   = "wva.llmd.ai/controller-instance"
	model           = "meta/llama-3.1-8b"
	h100            = "NVIDIA-H100-80GB-HBM3"
	a100            = "NVIDIA-A100-SXM4-80GB"
	// scrapeInterval is the cluster Prometheus's scrape interval.
	scrapeInterval = 2 * time.Second
	// timeScale slows the simulated GPUs tenfold, so a few requests per second hold
	// enough KV cache to matter while the machine streams few tokens. The servers report
	// latencies in wall-clock seconds, like the request rates, as a GPU ten times slower
	// would.
	timeScale = 0.1
	// scenarioParallelism is how many scenarios run at once unless -parallel says
	// otherwise. They spend their time waiting for intervals, retention periods, HPA
	// syncs and model loading, not computing, so go test's default (GOMAXPROCS, 2 on CI)
	// would leave the machine idle and make the suite as long as half the sum of its
	// scenarios. Not all twelve at once: the load scenarios' generators, gateways and
	// simulated servers share this process, and with all of them at once the gateways
	// of the others could not always answer the cluster Prometheus's 500 ms scrapes in
	// time. Each scenario has its own namespace, WVA and gateway; six use fewer GPUs than
	// the fake nodes have.
	scenarioParallelism = 6
)

// suite is what all scenarios share: one control plane, the model servers, the cluster
// Prometheus and the adapter, the built manager and its ServiceAccount kubeconfig.
type suite struct {
	env      *localenv.Env
	prom     *localenv.Prometheus
	adapter  *localenv.Adapter
	runner   *podserver.Runner
	wvaBin   string
	saConfig string
	// directConfig is the kubeconfig of harness.DirectModeServiceAccount.
	directConfig string
	client       client.Client
	cs           kubernetes.Interface
	tmp          string
	logDir       string

	mu          sync.Mutex
	controllers map[string]localenv.ScrapeTarget
	// gateways are the scenarios' gateways, by namespace, scraped by the cluster Prometheus.
	gateways map[string]localenv.ScrapeTarget
}

var s suite

func TestMain(m *testing.M) {
	harness.DefaultParallel(scenarioParallelism)
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tmp, err := os.MkdirTemp("", "wva-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("WVA_E2E_KEEP") == "" {
		defer func() { _ = os.RemoveAll(tmp) }()
	} else {
		fmt.Fprintf(os.Stderr, "e2e: keeping logs and data in %s (WVA_E2E_KEEP)\n", tmp)
	}
	s.tmp, s.controllers, s.gateways = tmp, map[string]localenv.ScrapeTarget{}, map[string]localenv.ScrapeTarget{}
	began := time.Now()
	env, err := localenv.Start(ctx, localenv.Options{Progress: os.Stderr})
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
		fmt.Fprintf(os.Stderr, "e2e environment ready in %.0fs\n", time.Since(began).Seconds())
		return m.Run()
	}()
	if code != 0 {
		env.DumpLogs(os.Stderr, 60)
		if s.prom != nil {
			fmt.Fprintf(os.Stderr, "===== prometheus (%s) =====\n%s\n", s.prom.LogPath, tailFile(s.prom.LogPath, 30))
		}
		fmt.Fprintf(os.Stderr, "===== model servers (%s) =====\n%s\n", filepath.Join(s.logDir, "podserver.log"), tailFile(filepath.Join(s.logDir, "podserver.log"), 40))
	}
	cancel()
	if s.prom != nil {
		s.prom.Stop()
	}
	return code
}

func (st *suite) setUp(ctx context.Context) error {
	st.logDir = filepath.Join(st.tmp, "logs")
	if err := os.MkdirAll(st.logDir, 0o755); err != nil {
		return err
	}
	if err := st.env.ApplyFiles(ctx, filepath.Join(repoRoot, "config/crd/bases"), filepath.Join(repoRoot, "config/rbac"), filepath.Join(repoRoot, "config/manager/namespace.yaml")); err != nil {
		return fmt.Errorf("apply config/: %w", err)
	}
	bin := filepath.Join(st.tmp, "wva")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(repoRoot, "cmd/wva")).CombinedOutput(); err != nil {
		return fmt.Errorf("build wva: %w\n%s", err, out)
	}
	st.wvaBin = bin
	var err error
	if st.saConfig, err = harness.ServiceAccountKubeconfig(ctx, st.env, filepath.Join(st.tmp, "wva-sa.kubeconfig")); err != nil {
		return err
	}
	if err := harness.CreateServiceAccount(ctx, st.env, harness.DirectModeServiceAccount); err != nil {
		return err
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
	if st.cs, err = st.env.Clientset(); err != nil {
		return err
	}
	if err := st.startModelServers(ctx); err != nil {
		return err
	}
	if st.prom, err = startClusterPrometheus(ctx, filepath.Join(st.tmp, "prometheus")); err != nil {
		return err
	}
	rules, err := adapterRules()
	if err != nil {
		return err
	}
	if st.adapter, err = localenv.StartAdapter(ctx, st.env, st.prom.URL, rules); err != nil {
		return fmt.Errorf("start prometheus-adapter: %w", err)
	}
	return nil
}

// startModelServers runs the podserver for every namespace, logging to a file.
func (st *suite) startModelServers(ctx context.Context) error {
	f, err := os.Create(filepath.Join(st.logDir, "podserver.log"))
	if err != nil {
		return err
	}
	st.runner, err = podserver.New(podserver.Options{
		Client: st.cs, TimeScale: timeScale, WallClockLatencies: true,
		Logger: slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		return err
	}
	go func() { _ = st.runner.Run(ctx) }()
	return nil
}

// startClusterPrometheus starts a Prometheus configured like a cluster's (Pod discovery
// plus the WVA job) in dir; dir/targets.json lists the running WVA instances.
func startClusterPrometheus(ctx context.Context, dir string) (*localenv.Prometheus, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg, err := localenv.ClusterPrometheusConfig(s.env.Kubeconfig, filepath.Join(dir, "targets.json"), scrapeInterval)
	if err != nil {
		return nil, err
	}
	if err := localenv.WriteTargets(localenv.GatewayTargetsFile(filepath.Join(dir, "targets.json")), nil); err != nil {
		return nil, err
	}
	p, err := localenv.StartPrometheus(ctx, localenv.PrometheusOptions{BinDir: s.env.BinDir, Dir: dir, ConfigYAML: cfg, ScrapeInterval: scrapeInterval})
	if err != nil {
		return nil, fmt.Errorf("start Prometheus: %w", err)
	}
	return p, nil
}

// setControllers points the cluster Prometheus's WVA job at the running instances.
func (st *suite) setControllers() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	targets := make([]localenv.ScrapeTarget, 0, len(st.controllers))
	for _, t := range st.controllers {
		targets = append(targets, t)
	}
	return st.prom.SetTargets(targets)
}

func tailFile(path string, n int) string {
	data, _ := os.ReadFile(path)
	return tailLines(string(data), n)
}

// setGateways points the cluster Prometheus's gateways job at the running gateways.
func (st *suite) setGateways() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	targets := make([]localenv.ScrapeTarget, 0, len(st.gateways))
	for _, t := range st.gateways {
		targets = append(targets, t)
	}
	return localenv.WriteTargets(localenv.GatewayTargetsFile(st.prom.TargetsFile), targets)
}
