package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/suite"
)

// commonFlags are shared by run and sweep.
type commonFlags struct {
	config, trace, out string
	seed               uint64
	quiet              bool
	drainAware         bool
	drainTimeout       time.Duration
}

// register adds the shared flags to fs.
func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "simulation config (YAML): models, variants, SLOs, policies, intervals, seed (required)")
	fs.StringVar(&c.trace, "trace", "", "trace in the Azure LLM inference format; overrides the config's trace path")
	fs.StringVar(&c.out, "out", "wva-sim-out", "directory for the JSON result and the HTML report")
	fs.Uint64Var(&c.seed, "seed", 0, "override the config's seed (0 keeps it)")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress lines on stderr")
	fs.BoolVar(&c.drainAware, "drain-aware", false, "turn on drain-aware scale-down (drainAwareScaleDown: the replicas with the least work in flight go first)")
	fs.DurationVar(&c.drainTimeout, "drain-timeout", 0, "override the config's drainTimeout, the termination grace of a removed replica (0 keeps it)")
}

// scenario loads the config and builds the scenario.
func (c *commonFlags) scenario() (*simulator.Scenario, error) {
	if c.config == "" {
		return nil, fmt.Errorf("--config is required")
	}
	cfg, err := simulator.LoadConfigFile(c.config)
	if err != nil {
		return nil, err
	}
	if c.seed != 0 {
		cfg.Seed = c.seed
	}
	if c.drainTimeout < 0 {
		return nil, fmt.Errorf("--drain-timeout %v: must not be negative (0 keeps the config's drainTimeout)", c.drainTimeout)
	}
	if c.drainTimeout > 0 {
		cfg.DrainTimeout = simulator.Duration(c.drainTimeout)
	}
	cfg.DrainAwareScaleDown = cfg.DrainAwareScaleDown || c.drainAware
	if len(cfg.Policies) == 0 {
		return nil, fmt.Errorf("%s lists no policies: add a policies: section, or run it in a suite (wva-sim suite)", c.config)
	}
	sc, err := simulator.NewScenario(cfg, c.trace)
	if err != nil {
		return nil, fmt.Errorf("build scenario: %w", err)
	}
	return sc, nil
}

// logger prints progress lines with the wall time elapsed, unless quiet.
func (c *commonFlags) logger(stderr io.Writer, start time.Time) func(string) {
	if c.quiet {
		return nil
	}
	return func(s string) { _, _ = fmt.Fprintf(stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), s) }
}

// runCompare is "wva-sim run": compare every configured policy.
func runCompare(args []string, stdout, stderr io.Writer) error {
	var c commonFlags
	var markdown bool
	fs := flag.NewFlagSet("wva-sim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	fs.BoolVar(&markdown, "markdown", false, "print the table as Markdown (for docs)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	start := time.Now()
	sc, err := c.scenario()
	if err != nil {
		return err
	}
	log := c.logger(stderr, start)
	res, err := suite.Compare(sc, policy.Builtin(), suite.Options{Log: log})
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if markdown {
		err = res.WriteMarkdown(stdout)
	} else {
		err = res.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	if err := writeOutputs(c.out, "result", res, res); err != nil {
		return err
	}
	if !c.quiet {
		_, _ = fmt.Fprintf(stderr, "simulated %v of traffic (%d requests) under %d policies in %.1fs wall time; wrote %s and %s\n",
			sc.Workload.End.Truncate(time.Second), sc.Workload.Len(), len(res.Policies), time.Since(start).Seconds(),
			filepath.Join(c.out, "result.json"), filepath.Join(c.out, "result.html"))
	}
	return nil
}
