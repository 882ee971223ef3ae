package harness

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// Where config/ installs the manager.
const (
	SystemNamespace = "workload-variant-autoscaler-system"
	ServiceAccount  = "workload-variant-autoscaler-controller-manager"
)

// BuildManager builds cmd/wva from the repository root into dir and returns the binary.
func BuildManager(repoRoot, dir string) (string, error) {
	bin := filepath.Join(dir, "wva")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(repoRoot, "cmd/wva")).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build wva: %w\n%s", err, out)
	}
	return bin, nil
}

// ServiceAccountKubeconfig writes to path a kubeconfig holding a token of the manager's
// ServiceAccount from the TokenRequest API, so the manager runs with exactly the RBAC
// config/rbac grants it: a missing permission fails a test.
func ServiceAccountKubeconfig(ctx context.Context, env *localenv.Env, path string) (string, error) {
	return ServiceAccountKubeconfigFor(ctx, env, SystemNamespace, ServiceAccount, path)
}

// ServiceAccountKubeconfigFor is ServiceAccountKubeconfig for any ServiceAccount, e.g. the
// one a Helm release of the chart creates.
func ServiceAccountKubeconfigFor(ctx context.Context, env *localenv.Env, namespace, serviceAccount, path string) (string, error) {
	return kubeconfigVia(ctx, env, namespace, serviceAccount, path, env.Config.Host, env.Config.CAData)
}

// ServiceAccountKubeconfigVia is ServiceAccountKubeconfig for a client that reaches the API
// server at server (e.g. a CountingProxy, verified with its CA).
func ServiceAccountKubeconfigVia(ctx context.Context, env *localenv.Env, path, server string, caData []byte) (string, error) {
	return kubeconfigVia(ctx, env, SystemNamespace, ServiceAccount, path, server, caData)
}

// kubeconfigVia writes to path a kubeconfig with a TokenRequest token of the
// ServiceAccount, reaching the API server at server.
func kubeconfigVia(ctx context.Context, env *localenv.Env, namespace, serviceAccount, path, server string, caData []byte) (string, error) {
	cs, err := env.Clientset()
	if err != nil {
		return "", err
	}
	tok, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, serviceAccount,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](7200)}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("request a token for %s/%s: %w", namespace, serviceAccount, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caData}
	cfg.AuthInfos["wva"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	cfg.Contexts["wva"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "wva"}
	cfg.CurrentContext = "wva"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

// HTTPGet returns the body of a 200 answer, or an error.
func HTTPGet(url string) (string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// FreePort asks the kernel for an unused loopback port.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// TailLines returns the last n lines of s.
func TailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
