package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

const (
	systemNamespace = "workload-variant-autoscaler-system"
	serviceAccount  = "workload-variant-autoscaler-controller-manager"
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
	bin := filepath.Join(st.tmp, "wva")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(repoRoot, "cmd/wva")).CombinedOutput(); err != nil {
		return fmt.Errorf("build wva: %w\n%s", err, out)
	}
	st.wvaBin = bin
	var err error
	if st.saConfig, err = st.serviceAccountKubeconfig(ctx); err != nil {
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

// serviceAccountKubeconfig writes a kubeconfig holding a token of the manager's
// ServiceAccount from the TokenRequest API, so the manager runs with exactly the RBAC
// config/rbac grants it.
func (st *suite) serviceAccountKubeconfig(ctx context.Context) (string, error) {
	cs, err := st.env.Clientset()
	if err != nil {
		return "", err
	}
	tok, err := cs.CoreV1().ServiceAccounts(systemNamespace).CreateToken(ctx, serviceAccount,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](7200)}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("request a token for %s: %w", serviceAccount, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: st.env.Config.Host, CertificateAuthorityData: st.env.Config.CAData}
	cfg.AuthInfos["wva"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	cfg.Contexts["wva"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "wva"}
	cfg.CurrentContext = "wva"
	path := filepath.Join(st.tmp, "wva-sa.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

// manager is one running wva process.
type manager struct {
	cmd         *exec.Cmd
	metricsAddr string
	logPath     string
	done        chan struct{}
}

// startManager runs the built manager with the documented environment plus env, as the
// ServiceAccount, and waits until it is healthy.
func startManager(t *testing.T, name string, env ...string) *manager {
	t.Helper()
	metricsPort, probePort := freePort(t), freePort(t)
	m := &manager{metricsAddr: "127.0.0.1:" + strconv.Itoa(metricsPort), logPath: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(m.logPath)
	if err != nil {
		t.Fatal(err)
	}
	m.cmd = exec.Command(s.wvaBin)
	m.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"KUBECONFIG=" + s.saConfig,
		"POD_NAMESPACE=" + systemNamespace,
		"PROMETHEUS_BASE_URL=" + s.prom.URL,
		"METRICS_ADDR=" + m.metricsAddr,
		"METRICS_SECURE=false",
		"PROBE_ADDR=127.0.0.1:" + strconv.Itoa(probePort),
	}, env...)
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.cmd.Wait(); _ = logFile.Close(); close(m.done) }()
	t.Cleanup(func() {
		m.stop()
		if t.Failed() {
			data, _ := os.ReadFile(m.logPath)
			t.Logf("manager %s log:\n%s", name, tailLines(string(data), 80))
		}
	})
	eventually(t, time.Minute, func() error {
		select {
		case <-m.done:
			data, _ := os.ReadFile(m.logPath)
			t.Fatalf("manager %s exited:\n%s", name, tailLines(string(data), 40))
		default:
		}
		_, err := httpGet("http://127.0.0.1:" + strconv.Itoa(probePort) + "/readyz")
		return err
	})
	return m
}

func (m *manager) stop() {
	select {
	case <-m.done:
		return
	default:
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(20 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// kill ends the manager at once, as a node failure would, without releasing its lease.
func (m *manager) kill() {
	_ = m.cmd.Process.Kill()
	<-m.done
}

func (m *manager) log() string {
	data, _ := os.ReadFile(m.logPath)
	return string(data)
}

// metrics returns the manager's /metrics text.
func (m *manager) metrics(t *testing.T) string {
	t.Helper()
	body, err := httpGet("http://" + m.metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("curl /metrics: %v", err)
	}
	return body
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// newNamespace creates a fresh namespace for one scenario.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "it-"}}
	if err := s.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}
