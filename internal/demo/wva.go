package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

const (
	// systemNamespace, serviceAccount and mainConfigMap are those of config/ (the install
	// manifests).
	systemNamespace = "workload-variant-autoscaler-system"
	serviceAccount  = "workload-variant-autoscaler-controller-manager"
	mainConfigMap   = "workload-variant-autoscaler-variantautoscaling-config"
)

// wvaSettings are the demo's settings of WVA, as the main ConfigMap of config/manager
// holds them in a cluster: what a user edits there behaves here as it would there (a
// change of PROMETHEUS_BASE_URL is rejected with a Warning event, GLOBAL_OPT_INTERVAL
// applies at once).
func wvaSettings(o Options, promURL string) map[string]string {
	actuation := "direct"
	if o.Actuation == ActuationHPA {
		actuation = "metrics"
	}
	return map[string]string{
		"PROMETHEUS_BASE_URL": promURL,
		"GLOBAL_OPT_INTERVAL": o.DecisionInterval.String(),
		"ACTUATION_MODE":      actuation,
		"WVA_SCALE_TO_ZERO":   fmt.Sprint(o.ScaleToZero),
		"WVA_LIMITED_MODE":    "false",
		// HYBRID mode; a static setting, read when WVA starts.
		"EXPERIMENTAL_PROACTIVE_MODEL": fmt.Sprint(o.Mode == ModeHybrid),
	}
}

// mainConfigMapYAML is the main ConfigMap with the demo's settings.
func mainConfigMapYAML(settings map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n", mainConfigMap, systemNamespace)
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %q\n", k, settings[k])
	}
	return b.String()
}

// wvaCommandLine is the manager's command line and environment beyond PATH and HOME, as
// config/manager's Deployment gives them: listeners as flags, the namespace and ConfigMap
// name in the environment; every other setting comes from the main ConfigMap.
func wvaCommandLine(kubeconfig, metrics, probe string) (args, env []string) {
	return []string{"--metrics-addr=" + metrics, "--metrics-secure=false", "--probe-addr=" + probe},
		[]string{"KUBECONFIG=" + kubeconfig, "POD_NAMESPACE=" + systemNamespace, "CONFIG_MAP_NAME=" + mainConfigMap}
}

// wvaProcess is the WVA manager running as its built binary.
type wvaProcess struct {
	cmd         *exec.Cmd
	LogPath     string
	MetricsAddr string
	done        chan struct{}
	err         error
}

// startWVA runs the manager with the command line of config/manager (wvaCommandLine), as
// its ServiceAccount (a token kubeconfig), so it has exactly the RBAC config/rbac grants
// (and, in direct mode, config/components/direct-actuation); it waits for /readyz. Its
// settings are in the main ConfigMap, applied before.
func startWVA(ctx context.Context, bin, dir, metrics, kubeconfig string) (*wvaProcess, error) {
	probe, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p := &wvaProcess{LogPath: filepath.Join(dir, "wva.log"), MetricsAddr: metrics, done: make(chan struct{})}
	logFile, err := os.Create(p.LogPath)
	if err != nil {
		return nil, fmt.Errorf("create WVA log: %w", err)
	}
	args, env := wvaCommandLine(kubeconfig, metrics, probe)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	// Its own process group, so Ctrl-C reaches only the demo, which stops it in order;
	// killed by the kernel if the demo dies.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start WVA (%s): %w", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); _ = logFile.Close(); close(p.done) }()
	deadline := time.After(time.Minute)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("WVA exited at start (%w); log:\n%s", p.err, tailFile(p.LogPath, 20))
		case <-ctx.Done():
			p.stop()
			return nil, fmt.Errorf("wait for WVA: %w", ctx.Err())
		case <-deadline:
			p.stop()
			return nil, fmt.Errorf("WVA not ready within a minute; log:\n%s", tailFile(p.LogPath, 20))
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := http.Get("http://" + probe + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
	}
}

// exited reports whether the manager has ended.
func (p *wvaProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the manager's group and kills it after 15 s.
func (p *wvaProcess) stop() {
	if p == nil || p.exited() {
		return
	}
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
}

// serviceAccountKubeconfig writes a kubeconfig with a token of WVA's ServiceAccount.
func serviceAccountKubeconfig(ctx context.Context, admin *rest.Config, path string) error {
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		return fmt.Errorf("build clientset: %w", err)
	}
	tok, err := cs.CoreV1().ServiceAccounts(systemNamespace).CreateToken(ctx, serviceAccount,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](24 * 3600)}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("request a token for %s: %w", serviceAccount, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: admin.Host, CertificateAuthorityData: admin.CAData}
	cfg.AuthInfos["wva"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	cfg.Contexts["wva"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "wva"}
	cfg.CurrentContext = "wva"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// tailFile returns the last n lines of a file, for error messages.
func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
