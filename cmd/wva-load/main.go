// Command wva-load sends a request schedule to one OpenAI-compatible endpoint: a replay
// of a trace in the Azure LLM inference format (e.g. the Azure LLM inference trace 2023,
// CC-BY, Azure Public Dataset) or a synthetic pattern. It streams every request to measure
// client-side TTFT and inter-token latency, logs progress, and writes a JSON summary.
//
// This command only parses flags and wires package loadgen.
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

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
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
			fmt.Fprintln(os.Stderr, "wva-load:", err)
		}
		return 2
	}
	return 0
}

// options are the parsed command-line flags.
type options struct {
	url, model, api, trace, pattern, summary string
	rate, rate2, speedUp, rateScale          float64
	offset, duration, stepAt                 time.Duration
	burstEvery, burstLength, progress        time.Duration
	timeout                                  time.Duration
	promptTokens, outputTokens, concurrency  int
	seed                                     uint64
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("wva-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8000", "base URL of the OpenAI-compatible server (the only host contacted)")
	fs.StringVar(&o.model, "model", "meta-llama/Llama-3.1-8B-Instruct", "model name to request")
	fs.StringVar(&o.api, "api", "completions", "completions or chat")
	fs.StringVar(&o.trace, "trace", "", "Azure-format trace CSV to replay (TIMESTAMP,ContextTokens,GeneratedTokens)")
	fs.StringVar(&o.pattern, "pattern", "poisson", "synthetic pattern when no trace: constant, poisson, ramp, step, burst")
	fs.Float64Var(&o.rate, "rate", 1, "synthetic base rate, requests/s")
	fs.Float64Var(&o.rate2, "rate2", 0, "ramp end, step or burst rate, requests/s")
	fs.DurationVar(&o.duration, "duration", time.Minute, "length of the synthetic schedule, or of the trace window (0 = whole trace)")
	fs.DurationVar(&o.offset, "offset", 0, "trace time to skip before the window")
	fs.Float64Var(&o.speedUp, "speedup", 1, "replay the trace this many times faster")
	fs.Float64Var(&o.rateScale, "rate-scale", 1, "multiply the trace's request rate (thinning or replication)")
	fs.DurationVar(&o.stepAt, "step-at", 0, "step pattern: when to switch to rate2 (default duration/2)")
	fs.DurationVar(&o.burstEvery, "burst-every", 0, "burst pattern: period (default duration/4)")
	fs.DurationVar(&o.burstLength, "burst-length", 0, "burst pattern: burst length (default burst-every/4)")
	fs.IntVar(&o.promptTokens, "prompt-tokens", 1000, "synthetic prompt length")
	fs.IntVar(&o.outputTokens, "output-tokens", 250, "synthetic output length")
	fs.IntVar(&o.concurrency, "max-concurrency", 256, "bound on requests in flight")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "timeout of one request")
	fs.DurationVar(&o.progress, "progress", 5*time.Second, "progress log interval (0 = none)")
	fs.StringVar(&o.summary, "summary", "", "write the JSON summary here (default: stdout)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed for arrivals and rate scaling")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	schedule, err := buildSchedule(o)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	logger.Info("load starting", "url", o.url, "requests", len(schedule))
	sum, err := loadgen.Run(ctx, loadgen.Config{
		BaseURL: o.url, Model: o.model, API: loadgen.API(o.api), MaxConcurrency: o.concurrency,
		RequestTimeout: o.timeout, ProgressEvery: o.progress, Logger: logger,
	}, schedule)
	if err != nil {
		return err
	}
	logger.Info("load finished", "succeeded", sum.Succeeded, "failed", sum.Failed,
		"cancelled", sum.Cancelled,
		"ttftP50", sum.TTFT.P50, "ttftP99", sum.TTFT.P99, "itlP50", sum.ITL.P50)
	return writeSummary(sum, o.summary, stdout)
}

func buildSchedule(o options) ([]loadgen.Request, error) {
	if o.trace == "" {
		return loadgen.Synthetic(loadgen.Pattern{
			Kind: loadgen.PatternKind(o.pattern), Rate: o.rate, Rate2: o.rate2, Duration: o.duration,
			StepAt: o.stepAt, BurstEvery: o.burstEvery, BurstLength: o.burstLength,
			PromptTokens: o.promptTokens, OutputTokens: o.outputTokens, Seed: o.seed,
		})
	}
	f, err := os.Open(o.trace)
	if err != nil {
		return nil, fmt.Errorf("open trace: %w", err)
	}
	defer func() { _ = f.Close() }()
	trace, err := loadgen.ReadAzureTrace(f)
	if err != nil {
		return nil, err
	}
	return loadgen.FromTrace(trace, loadgen.TraceOptions{
		Offset: o.offset, Duration: o.duration, SpeedUp: o.speedUp, RateScale: o.rateScale, Seed: o.seed,
	})
}

func writeSummary(sum loadgen.Summary, path string, stdout io.Writer) error {
	if path == "" {
		return sum.WriteJSON(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create summary: %w", err)
	}
	if err := sum.WriteJSON(f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close summary: %w", err)
	}
	return nil
}
