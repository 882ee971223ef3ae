package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// ManagerOptions say how to run one manager process.
type ManagerOptions struct {
	// Bin is the built wva binary (BuildManager).
	Bin string
	// Kubeconfig is the kubeconfig the manager runs with (ServiceAccountKubeconfig).
	Kubeconfig string
	// Name names the log file and the process in failure output.
	Name string
	// LogDir receives the log; the test's temporary folder when empty.
	LogDir string
	// Env is the manager's environment beyond PATH, KUBECONFIG, METRICS_ADDR,
	// METRICS_SECURE=false and PROBE_ADDR; a later entry overrides an earlier one, and
	// "KEY=" unsets a key.
	Env []string
	// Args are the manager's command-line arguments, e.g. --zap-* logging flags.
	Args []string
}

// Manager is one running wva process.
type Manager struct {
	// Name is the options' name.
	Name string
	// MetricsAddr is where /metrics is served (plain HTTP unless Env says otherwise).
	MetricsAddr string
	// LogPath is the process's combined output.
	LogPath string

	cmd  *exec.Cmd
	done chan struct{}
}

// StartManager runs the manager, waits until /readyz answers, and stops it (printing its
// log if the test failed) when the test ends.
func StartManager(t testing.TB, o ManagerOptions) *Manager {
	t.Helper()
	metricsPort, probePort := FreePort(t), FreePort(t)
	dir := o.LogDir
	if dir == "" {
		dir = t.TempDir()
	}
	m := &Manager{Name: o.Name, MetricsAddr: "127.0.0.1:" + strconv.Itoa(metricsPort), LogPath: filepath.Join(dir, o.Name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(m.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	m.cmd = exec.Command(o.Bin, o.Args...)
	m.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"KUBECONFIG=" + o.Kubeconfig,
		"METRICS_ADDR=" + m.MetricsAddr,
		"METRICS_SECURE=false",
		"PROBE_ADDR=127.0.0.1:" + strconv.Itoa(probePort),
	}, o.Env...)
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.cmd.Wait(); _ = logFile.Close(); close(m.done) }()
	t.Cleanup(func() {
		m.Stop()
		if t.Failed() {
			t.Logf("manager %s log:\n%s", m.Name, TailLines(m.Log(), 80))
		}
	})
	localenvtest.Eventually(t, time.Minute, func() error {
		select {
		case <-m.done:
			t.Fatalf("manager %s exited:\n%s", m.Name, TailLines(m.Log(), 40))
		default:
		}
		_, err := HTTPGet("http://127.0.0.1:" + strconv.Itoa(probePort) + "/readyz")
		return err
	})
	return m
}

// Stop asks the manager to shut down (SIGTERM) and kills it after 20 s.
func (m *Manager) Stop() {
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

// Kill ends the manager at once, as a node failure would, without releasing its lease.
func (m *Manager) Kill() {
	_ = m.cmd.Process.Kill()
	<-m.done
}

// Log is everything the manager printed so far.
func (m *Manager) Log() string {
	data, _ := os.ReadFile(m.LogPath)
	return string(data)
}

// Metrics is the manager's /metrics text.
func (m *Manager) Metrics() (string, error) {
	return HTTPGet("http://" + m.MetricsAddr + "/metrics")
}

// Pid is the manager process's id, e.g. to read its resident memory from /proc.
func (m *Manager) Pid() int { return m.cmd.Process.Pid }
