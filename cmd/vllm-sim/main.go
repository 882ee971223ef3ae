// Command vllm-sim is a simulated vLLM server: the OpenAI API and vLLM's /metrics,
// driven in real time by the replica performance model (package servermodel), so WVA can
// be demonstrated and tested without GPUs. "vllm-sim calibrate" prints the model's
// predictions for every embedded profile next to the public figures they derive from.
//
// This command only parses flags and wires package vllmsim.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
	"github.com/workload-variant-autoscaler/wva/internal/vllmsim"
)

func main() {
	os.Exit(mainCode())
}

// mainCode runs the command until it ends or is interrupted and returns its exit code, so
// that deferred clean-up runs before the process exits.
func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "vllm-sim:", err)
		}
		return 2
	}
	return 0
}

// options are the parsed command-line flags.
type options struct {
	model, profile, listen, logLevel string
	startupDelay                     time.Duration
	seed                             uint64
	timeScale, stepJitter            float64
	outputTokens                     int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "calibrate" {
		return calibrate(stdout)
	}
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	srv, err := newServer(opts, stderr)
	if err != nil {
		return err
	}
	return srv.ListenAndServe(ctx, opts.listen)
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("vllm-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.model, "model", "", "served model name (default: the profile's model)")
	fs.StringVar(&o.profile, "profile", "llama-3.1-8b-h100-80gb", fmt.Sprintf("performance profile, one of %v", servermodel.ProfileNames()))
	fs.StringVar(&o.listen, "listen", ":8000", "listen address")
	fs.DurationVar(&o.startupDelay, "startup-delay", 0, "time before /health turns ready (model loading)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed (step jitter, lengths of requests without max_tokens)")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "model seconds per wall second (>1 runs faster than real time)")
	fs.Float64Var(&o.stepJitter, "step-jitter", 0.02, "relative standard deviation of engine step times")
	fs.IntVar(&o.outputTokens, "default-output-tokens", 256, "mean output length of requests without max_tokens")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	return o, nil
}

func newServer(o options, stderr io.Writer) (*vllmsim.Server, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	profile, err := servermodel.LoadProfile(o.profile)
	if err != nil {
		return nil, err
	}
	params, err := profile.Params()
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", o.profile, err)
	}
	model := o.model
	if model == "" {
		model = profile.Model.Name
	}
	return vllmsim.New(vllmsim.Config{
		Model:               model,
		Params:              params,
		StartupDelay:        o.startupDelay,
		TimeScale:           o.timeScale,
		Seed:                o.seed,
		StepJitter:          o.stepJitter,
		DefaultOutputTokens: o.outputTokens,
		Logger:              slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
}

// calibrate prints the calibration report of every embedded profile.
func calibrate(stdout io.Writer) error {
	var cals []servermodel.Calibration
	for _, name := range servermodel.ProfileNames() {
		p, err := servermodel.LoadProfile(name)
		if err != nil {
			return err
		}
		c, err := servermodel.Calibrate(p)
		if err != nil {
			return err
		}
		cals = append(cals, c)
	}
	return servermodel.WriteReport(stdout, cals)
}
