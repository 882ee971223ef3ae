package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/suite"
)

// errChecks marks a suite whose results break the yardstick's properties.
var errChecks = errors.New("suite checks failed")

// runSuite is "wva-sim suite": every scenario with every policy, default and tuned.
func runSuite(args []string, stdout, stderr io.Writer) error {
	var (
		config, out, only, from string
		workers                 int
		short, markdown         bool
		quiet                   bool
	)
	fs := flag.NewFlagSet("wva-sim suite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&config, "config", "docs/benchmarks/suite.yaml", "suite file: the policies and the scenario files")
	fs.StringVar(&out, "out", "wva-bench", "directory for suite.json and suite.html (with --from: the directory of the suite.json read)")
	fs.StringVar(&only, "scenario", "", "comma-separated scenario names to run (default: all)")
	fs.IntVar(&workers, "parallel", runtime.GOMAXPROCS(0), "simulations run at once (the result does not depend on it)")
	fs.BoolVar(&short, "short", false, "run every scenario's quick form (the smoke test's)")
	fs.BoolVar(&markdown, "markdown", false, "print the tables as Markdown (for docs)")
	fs.BoolVar(&quiet, "quiet", false, "no progress lines on stderr")
	fs.StringVar(&from, "from", "", "render the tables and the report from a saved suite.json instead of running")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	if from != "" && !flagSet(fs, "out") {
		out = filepath.Dir(from) // re-rendering updates the report beside the results it shows
	}
	start := time.Now()
	var res *suite.Result
	var err error
	if from != "" {
		res, err = readResult(from)
	} else {
		res, err = simulate(config, only, short, workers, quiet, stderr, start)
	}
	if err != nil {
		return err
	}
	if markdown {
		err = res.WriteMarkdown(stdout)
	} else {
		err = res.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	if err := writeOutputs(out, "suite", res, res); err != nil {
		return err
	}
	violations := suite.Check(res)
	if !quiet {
		what := fmt.Sprintf("ran %d scenarios with %d workers", len(res.Scenarios), workers)
		if from != "" {
			what = fmt.Sprintf("rendered %d scenarios from %s", len(res.Scenarios), from)
		}
		_, _ = fmt.Fprintf(stderr, "%s in %.1fs wall time; wrote %s and %s\n", what,
			time.Since(start).Seconds(), filepath.Join(out, "suite.json"), filepath.Join(out, "suite.html"))
	}
	for _, v := range violations {
		_, _ = fmt.Fprintln(stderr, "check failed:", v)
	}
	if len(violations) > 0 {
		return fmt.Errorf("%w: %d violation(s)", errChecks, len(violations))
	}
	if !quiet {
		_, _ = fmt.Fprintln(stderr, "checks hold: every oracle meets its target at the lowest cost of any run meeting it; every tuned setting meets it and one step cheaper misses")
	}
	return nil
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// simulate loads the suite and runs it, with progress lines unless quiet.
func simulate(config, only string, short bool, workers int, quiet bool, stderr io.Writer, start time.Time) (*suite.Result, error) {
	s, err := suite.LoadFile(config)
	if err != nil {
		return nil, err
	}
	if s, err = s.Only(splitList(only)); err != nil {
		return nil, err
	}
	if short {
		if s, err = s.Short(); err != nil {
			return nil, err
		}
	}
	opt := suite.Options{Parallel: workers}
	if !quiet {
		var mu sync.Mutex // runs report from several goroutines
		opt.Log = func(line string) {
			mu.Lock()
			defer mu.Unlock()
			_, _ = fmt.Fprintf(stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), line)
		}
	}
	res, err := suite.Run(s, policy.Builtin(), opt)
	if err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	return res, nil
}

// readResult reads a saved suite result.
func readResult(path string) (*suite.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read suite result: %w", err)
	}
	var res suite.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("suite result %s: %w", path, err)
	}
	return &res, nil
}

// splitList reads "a,b".
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
