package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// manager is one running WVA process, scoped to a scenario's namespace.
type manager struct {
	name        string
	cmd         *exec.Cmd
	metricsAddr string
	logPath     string
	done        chan struct{}
}

// startManager runs the built manager as its ServiceAccount with the documented
// environment: POD_NAMESPACE and CONTROLLER_INSTANCE are the scenario's namespace (its
// ConfigMaps live there), metrics on plain HTTP for the cluster Prometheus, plus env.
// With scraped set, the cluster Prometheus scrapes it as a Pod of the controller's
// namespace would be. The log is printed if the test fails.
func startManager(t *testing.T, ns, promURL string, scraped bool, env ...string) *manager {
	t.Helper()
	metricsPort, probePort := freePort(t), freePort(t)
	m := &manager{name: "wva-" + ns, metricsAddr: "127.0.0.1:" + strconv.Itoa(metricsPort),
		logPath: filepath.Join(s.logDir, "wva-"+ns+".log"), done: make(chan struct{})}
	logFile, err := os.Create(m.logPath)
	if err != nil {
		t.Fatal(err)
	}
	m.cmd = exec.Command(s.wvaBin)
	m.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"KUBECONFIG=" + s.saConfig,
		"POD_NAMESPACE=" + ns,
		"CONTROLLER_INSTANCE=" + ns,
		"PROMETHEUS_BASE_URL=" + promURL,
		"METRICS_ADDR=" + m.metricsAddr,
		"METRICS_SECURE=false",
		"PROBE_ADDR=127.0.0.1:" + strconv.Itoa(probePort),
	}, env...)
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.cmd.Wait(); _ = logFile.Close(); close(m.done) }()
	if scraped {
		s.mu.Lock()
		s.controllers[ns] = localenv.ScrapeTarget{Address: m.metricsAddr,
			Labels: map[string]string{"namespace": systemNamespace, "pod": m.name}}
		s.mu.Unlock()
		if err := s.setControllers(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if scraped {
			s.mu.Lock()
			delete(s.controllers, ns)
			s.mu.Unlock()
			_ = s.setControllers()
		}
		m.stop()
		if t.Failed() {
			t.Logf("===== %s log (%s), last 80 lines =====\n%s", m.name, m.logPath, tailFile(m.logPath, 80))
		}
	})
	eventually(t, "WVA "+m.name+" ready", time.Minute, func() error {
		select {
		case <-m.done:
			t.Fatalf("manager %s exited:\n%s", m.name, tailFile(m.logPath, 40))
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

func (m *manager) log() string {
	data, _ := os.ReadFile(m.logPath)
	return string(data)
}

// metrics returns the manager's /metrics text.
func (m *manager) metrics() (string, error) { return httpGet("http://" + m.metricsAddr + "/metrics") }
