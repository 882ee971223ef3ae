package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/suite"
)

// runSweep is "wva-sim sweep": vary one threshold of one policy.
func runSweep(args []string, stdout, stderr io.Writer) error {
	var c commonFlags
	var spec suite.SweepSpec
	var values string
	fs := flag.NewFlagSet("wva-sim sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	fs.StringVar(&spec.Policy, "policy", "", "name of a configured policy (required)")
	fs.StringVar(&spec.Param, "param", "", "key to vary: interval (seconds); a saturation key for wva (kvCacheThreshold, queueLengthThreshold, kvSpareTrigger, queueSpareTrigger, scaleUpThreshold, scaleDownBoundary); any numeric key of the entry otherwise (hpa: target, tolerance)")
	fs.StringVar(&values, "values", "", "comma-separated values to try")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	vals, err := parseValues(values)
	if err != nil {
		return err
	}
	spec.Values = vals
	start := time.Now()
	sc, err := c.scenario()
	if err != nil {
		return err
	}
	res, err := suite.Sweep(sc, policy.Builtin(), spec, suite.Options{Log: c.logger(stderr, start)})
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if err := res.WriteTable(stdout); err != nil {
		return err
	}
	if err := writeOutputs(c.out, "sweep", res, res); err != nil {
		return err
	}
	if !c.quiet {
		_, _ = fmt.Fprintf(stderr, "swept %s over %d values in %.1fs wall time; wrote %s\n", spec.Param, len(vals),
			time.Since(start).Seconds(), filepath.Join(c.out, "sweep.html"))
	}
	return nil
}

// parseValues reads "0.6,0.7,0.8".
func parseValues(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("--values is required")
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("--values: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}
