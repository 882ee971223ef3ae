package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// serviceAccountKubeconfig writes a kubeconfig with a TokenRequest token of the
// manager's ServiceAccount, so WVA runs with exactly the RBAC config/rbac grants.
func serviceAccountKubeconfig(ctx context.Context, env *localenv.Env, path string) (string, error) {
	cs, err := env.Clientset()
	if err != nil {
		return "", err
	}
	tok, err := cs.CoreV1().ServiceAccounts(systemNamespace).CreateToken(ctx, serviceAccount,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](7200)}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("request a token for %s: %w", serviceAccount, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	cfg.AuthInfos["wva"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	cfg.Contexts["wva"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "wva"}
	cfg.CurrentContext = "wva"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

// adapterRules reads the rules users are told to install, from the documented sample.
func adapterRules() (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/samples/prometheus-adapter-config.yaml"))
	if err != nil {
		return "", fmt.Errorf("read adapter sample: %w", err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(data, &cm); err != nil {
		return "", fmt.Errorf("decode adapter sample: %w", err)
	}
	rules := cm.Data["config.yaml"]
	if rules == "" {
		return "", fmt.Errorf("adapter sample has no config.yaml")
	}
	return rules, nil
}
