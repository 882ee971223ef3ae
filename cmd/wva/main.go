// Command wva is the Workload Variant Autoscaler's controller manager. This file is the
// composition root: it reads the configuration, builds every component and wires them
// together explicitly; no component reads the environment or a global itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/config/watch"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
)

// version is set at link time by `make image` (-X main.version=...).
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run returns the process exit code: 0 after a clean stop, 1 on bad configuration or a
// failure to start.
func run(args []string, stderr io.Writer) int {
	zapArgs, args := splitLogArgs(args)
	zapArgs, err := withEnvLevel(zapArgs, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "configuration error: %v\n", err)
		return 1
	}
	root, err := newLogger(zapArgs, stderr, append(engine.UnsampledMessages(), watch.UnsampledMessages()...))
	if err != nil {
		fmt.Fprintf(stderr, "configuration error: %v\n", err)
		return 1
	}
	ctrl.SetLogger(root)
	logger := ctrl.Log.WithName("setup")

	kubeconfig, args, err := splitKubeconfigArg(args)
	if err != nil {
		fmt.Fprintf(stderr, "configuration error: %v\n", err)
		return 1
	}
	// Flags first: --help and bad flags need no cluster.
	ns, name, err := config.MainConfigMapRef(args, os.LookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		config.PrintUsage(stderr, "wva")
		printKubeconfigUsage(stderr)
		printLogUsage(stderr)
		return 0
	}
	if err != nil {
		printConfigErrors(stderr, err)
		return 1
	}
	restConfig, err := kubeRESTConfig(kubeconfig)
	if err != nil {
		fmt.Fprintf(stderr, "configuration error: cannot reach the Kubernetes API: %v\n", err)
		return 1
	}
	cfg, err := loadConfig(context.Background(), ns, name, args, restConfig)
	if err != nil {
		printConfigErrors(stderr, err)
		return 1
	}
	// BaseURL carries no credentials: the configuration keeps user info apart, as secrets.
	logger.Info("Configuration loaded", "version", version, "prometheus", cfg.Static.Prometheus.BaseURL, "metricsSource", string(cfg.Static.MetricsSource),
		"actuation", string(cfg.Static.ActuationMode), "controllerInstance", cfg.Static.ControllerInstance,
		"interval", cfg.Dynamic.OptimizationInterval.String(), "http2", cfg.Static.EnableHTTP2, "mode", mode(cfg))
	for _, w := range config.StartupWarnings(cfg) {
		logger.Info(w.Message, w.KeysAndValues...)
	}

	ctx := ctrl.SetupSignalHandler()
	mgr, err := newManager(ctx, restConfig, cfg)
	if err != nil {
		logger.Error(err, "Cannot set up the manager")
		return 1
	}
	if err := mgr.Start(ctx); err != nil {
		logger.Error(err, "Manager stopped with an error")
		return 1
	}
	return 0
}

// printConfigErrors prints every configuration problem, one line each.
func printConfigErrors(stderr io.Writer, err error) {
	fmt.Fprintln(stderr, "configuration error: the controller will not start until these are fixed:")
	for _, line := range errorLines(err) {
		fmt.Fprintf(stderr, "  - %s\n", line)
	}
}

// loadConfig reads the main ConfigMap ns/name (if any) and resolves the configuration from
// flags, environment, ConfigMap and defaults.
func loadConfig(ctx context.Context, ns, name string, args []string, restConfig *rest.Config) (config.Config, error) {
	cs, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return config.Config{}, fmt.Errorf("build Kubernetes client: %w", err)
	}
	data, err := watch.ReadMainConfigMap(ctx, cs, ns, name)
	if err != nil {
		return config.Config{}, err
	}
	return config.Load(args, os.LookupEnv, data, config.OSFileExists)
}

// mode names the operating mode for the start-up line: HYBRID with
// EXPERIMENTAL_PROACTIVE_MODEL=true, else CAPACITY-ONLY (the default).
func mode(cfg config.Config) string {
	if cfg.Static.Features.ProactiveModel {
		return "HYBRID"
	}
	return "CAPACITY-ONLY"
}

// errorLines flattens joined errors into one line each.
func errorLines(err error) []string {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, errorLines(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
