// Command wva-demo starts WVA's local environment — a real control plane with fake GPU
// nodes — installs the VariantAutoscaling CRD and a sample model, prints how to reach it
// with kubectl, and runs until Ctrl-C (or --duration), then stops everything it started.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wva-demo:", err)
		os.Exit(1)
	}
}

type options struct {
	dir      string
	repo     string
	bins     string
	duration time.Duration
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("wva-demo", flag.ContinueOnError)
	fs.StringVar(&o.dir, "dir", "", "folder for the environment's certificates, kubeconfig and logs (default: a new temporary folder, removed at the end)")
	fs.StringVar(&o.repo, "repo", ".", "the repository root, where config/ is")
	fs.StringVar(&o.bins, "tools", "bin/tools", "folder with the control-plane binaries (make tools)")
	fs.DurationVar(&o.duration, "duration", 0, "stop by itself after this long (0: run until Ctrl-C)")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("parse flags: %w", err)
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	bins, err := filepath.Abs(o.bins)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", o.bins, err)
	}
	fmt.Fprintln(out, "Starting the local environment (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)...")
	env, err := localenv.Start(ctx, localenv.Options{BinDir: bins, Dir: o.dir, Progress: out})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(out, "Stopping every process the demo started...")
		env.Stop()
		fmt.Fprintln(out, "Stopped.")
	}()

	fmt.Fprintln(out, "Installing the VariantAutoscaling CRD and a sample model...")
	if err := env.ApplyFiles(ctx, filepath.Join(o.repo, "config/crd/bases"), filepath.Join(o.repo, "config/samples/llama-8b-deployment.yaml"), filepath.Join(o.repo, "config/samples/llmd_v1alpha1_variantautoscaling.yaml")); err != nil {
		return err
	}
	printWelcome(out, env, bins)

	if o.duration > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(o.duration):
		}
	} else {
		<-ctx.Done()
	}
	return env.Healthy()
}

func printWelcome(out io.Writer, env *localenv.Env, bins string) {
	fmt.Fprintf(out, `
The local environment is up. In another terminal:

  export KUBECONFIG=%s
  export PATH=%s:$PATH
  kubectl get nodes -L nvidia.com/gpu.product
  kubectl get va
  kubectl get deploy,pods -o wide
  kubectl scale deploy/llama-8b-h100 --replicas=3 && kubectl get pods -w

Component logs are in %s. Press Ctrl-C to stop everything.
`, env.Kubeconfig, bins, env.Dir)
}
