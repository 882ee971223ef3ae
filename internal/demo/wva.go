package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	// systemNamespace and serviceAccount are those of config/ (the install manifests).
	systemNamespace = "workload-variant-autoscaler-system"
	serviceAccount  = "workload-variant-autoscaler-controller-manager"
)

// wvaProcess is the WVA manager running as its built binary.
type wvaProcess struct {
	cmd         *exec.Cmd
	LogPath     string
	MetricsAddr string
	done        chan struct{}
	err         error
}

// startWVA runs the manager with the documented environment, as its ServiceAccount (a
// token kubeconfig), so it has exactly the RBAC config/rbac grants; it waits for /readyz.
func startWVA(ctx context.Context, bin, dir, metrics string, env []string) (*wvaProcess, error) {
	probe, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p := &wvaProcess{LogPath: filepath.Join(dir, "wva.log"), MetricsAddr: metrics, done: make(chan struct{})}
	logFile, err := os.Create(p.LogPath)
	if err != nil {
		return nil, fmt.Errorf("create WVA log: %w", err)
	}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"METRICS_ADDR=" + metrics, "METRICS_SECURE=false", "PROBE_ADDR=" + probe,
		"POD_NAMESPACE=" + systemNamespace,
	}, env...)
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
