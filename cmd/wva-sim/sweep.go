package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// runSweep is "wva-sim sweep": vary one threshold of one policy.
func runSweep(args []string, stdout, stderr io.Writer) error {
	var c commonFlags
	var spec simulator.SweepSpec
	var values string
	fs := flag.NewFlagSet("wva-sim sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	fs.StringVar(&spec.Policy, "policy", "", "name of a configured wva or hpa policy (required)")
	fs.StringVar(&spec.Param, "param", "", "threshold to vary: kvCacheThreshold, queueLengthThreshold, kvSpareTrigger, queueSpareTrigger, scaleUpThreshold, scaleDownBoundary (wva); target, tolerance (hpa); interval (seconds)")
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
	res, err := sc.Sweep(spec, simulator.CompareOptions{Log: c.logger(stderr, start)})
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
