package main

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	crconfig "sigs.k8s.io/controller-runtime/pkg/client/config"
)

// splitKubeconfigArg takes --kubeconfig (also -kubeconfig, =path or a separate path) out of
// the arguments: it is the flag every controller-runtime manager accepts, not a WVA setting.
func splitKubeconfigArg(args []string) (path string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || name != crconfig.KubeconfigFlagName {
			rest = append(rest, args[i])
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("command line: --%s needs a path, e.g. --%s=$HOME/.kube/config",
					crconfig.KubeconfigFlagName, crconfig.KubeconfigFlagName)
			}
			i++
			value = args[i]
		}
		path = value
	}
	return path, rest, nil
}

// kubeRESTConfig finds the Kubernetes API as controller-runtime does: the --kubeconfig file
// if given, else $KUBECONFIG, the in-cluster service account, or ~/.kube/config.
func kubeRESTConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		return ctrl.GetConfig()
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig}, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("--kubeconfig=%s: %w", kubeconfig, err)
	}
	if cfg.QPS == 0 {
		cfg.QPS = -1 // as controller-runtime: no client-side rate limit, API priority and fairness apply
	}
	return cfg, nil
}

// printKubeconfigUsage adds --kubeconfig to --help.
func printKubeconfigUsage(w io.Writer) {
	fmt.Fprintln(w, "Kubernetes API (command line only):")
	fmt.Fprintf(w, "  -%s string\n    \tpath of a kubeconfig; without it $KUBECONFIG, the in-cluster service account, then ~/.kube/config\n",
		crconfig.KubeconfigFlagName)
}
