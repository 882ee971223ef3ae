// Command wva-demo is `make demo`: it starts WVA's local environment (a real control
// plane with fake GPU nodes, Prometheus, simulated vLLM servers at the Pods' IPs and a
// gateway), installs WVA and a model with two variants, drives a load scenario, shows
// the scaling live and writes a report; Ctrl-C stops it early and everything it started.
// This file holds only flags and wiring; internal/demo does the work.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/demo"
)

// ShortDuration is the load length of the short form (WVA_DEMO_SHORT=1), for tests and
// CI: still a ramp, a burst and the scale-down after it.
const ShortDuration = 3 * time.Minute

func main() {
	if err := run(os.Args[1:], os.Stdout, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "wva-demo:", err)
		os.Exit(1)
	}
}

func parse(args []string, out io.Writer, lookup func(string) (string, bool)) (demo.Options, error) {
	var o demo.Options
	fs := flag.NewFlagSet("wva-demo", flag.ContinueOnError)
	fs.StringVar(&o.EnvDir, "dir", "", "folder for the environment's certificates, kubeconfig and logs (default: a new temporary folder, removed at the end)")
	fs.StringVar(&o.RepoDir, "repo", ".", "the repository root, where config/ and bin/wva are")
	fs.StringVar(&o.ToolsDir, "tools", "bin/tools", "folder with the control-plane binaries and prometheus (make tools)")
	fs.StringVar(&o.WVABin, "wva", "", "the WVA manager binary (default: <repo>/bin/wva, built by make build)")
	fs.StringVar(&o.ReportDir, "report-dir", "", "where to write the report (default: demo-report/<UTC start time>)")
	fs.StringVar(&o.Scenario, "scenario", "burst", "load: burst (quiet, ramp, burst, plateau, fall) or trace (the Azure LLM inference trace)")
	fs.StringVar(&o.TracePath, "trace", "", "trace file for --scenario trace (default: <repo>/../shared/traces/azure-llm-2023-conv.csv)")
	fs.Float64Var(&o.TraceSpeedUp, "speedup", 4, "trace replay speed-up")
	fs.DurationVar(&o.TraceOffset, "trace-offset", 0, "skip this much of the trace first (trace time)")
	fs.DurationVar(&o.Duration, "duration", demo.DefaultDuration, "length of the load (WVA_DEMO_SHORT=1: "+ShortDuration.String()+")")
	fs.StringVar(&o.Actuation, "actuation", demo.ActuationHPA, "how decisions are applied: hpa (WVA exposes wva_desired_replicas, prometheus-adapter serves it, an HPA per variant scales) or direct (WVA scales the Deployments)")
	fs.StringVar(&o.Mode, "mode", demo.ModeCapacityOnly, "WVA's mode: capacity-only (the saturation analyser) or hybrid (EXPERIMENTAL_PROACTIVE_MODEL=true: the model-based optimiser over the saturation floor; the report adds both answers and the forecast)")
	fs.BoolVar(&o.ScaleToZero, "scale-to-zero", false, "let WVA scale a variant with no traffic to zero")
	fs.DurationVar(&o.Interval, "interval", 2*time.Second, "how often the live view samples and refreshes")
	fs.DurationVar(&o.DecisionInterval, "decision-interval", 5*time.Second, "WVA's GLOBAL_OPT_INTERVAL")
	plain := fs.Bool("plain", false, "plain log lines instead of a live screen (default when stdout is not a terminal)")
	fs.SetOutput(out)
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("parse flags: %w", err)
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "duration" })
	if v, ok := lookup("WVA_DEMO_SHORT"); ok && v != "" && v != "0" && !durationSet {
		o.Duration = ShortDuration
	}
	o.Plain = *plain || !isTerminal(out)
	return o, nil
}

// isTerminal reports whether w is a character device (a terminal), where the live view
// can redraw in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func run(args []string, out io.Writer, lookup func(string) (string, bool)) error {
	o, err := parse(args, out, lookup)
	if err != nil {
		return err
	}
	o.Out = out
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, err = demo.Run(ctx, o)
	if err != nil && ctx.Err() != nil {
		// Ctrl-C before the load started: everything is stopped, nothing to report.
		_, _ = fmt.Fprintln(out, "Interrupted; every process the demo started is stopped.")
		return nil
	}
	return err
}
