// Package simtest holds the fixtures the simulator's test packages share: a small
// one-model scenario, the shared trace and the repository's benchmark files. It is
// imported by tests only.
package simtest

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/testinput"
)

// RepoRoot is the repository's root: the nearest directory above the working directory
// (a test's package directory) holding go.mod.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = up
	}
}

// SharedTrace is the path of the shared Azure trace (the shared/ directory beside the
// repository, as CI checks it out, or $WVA_SHARED_DIR); a missing trace skips the test
// outside CI and fails it in CI (see internal/testinput).
func SharedTrace(tb testing.TB) string {
	tb.Helper()
	return testinput.SharedTrace(tb)
}

// Benchmarks is the path of docs/benchmarks.
func Benchmarks(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(RepoRoot(tb), "docs", "benchmarks")
}

// IntP returns a pointer to n.
func IntP(n int) *int { return &n }

// Config is a one-model scenario with one H100 variant (cost 3, one-minute start-up,
// 1 to 20 replicas) under a synthetic pattern; tests adjust it.
func Config(pattern simulator.PatternConfig, policies ...simulator.PolicyConfig) simulator.Config {
	return simulator.Config{
		Seed:             7,
		DecisionInterval: simulator.Duration(30 * time.Second),
		Load:             simulator.LoadConfig{Pattern: &pattern},
		Models: []simulator.ModelConfig{{
			Name: "llama",
			SLO:  simulator.SLO{TTFT: simulator.Duration(time.Second), ITL: simulator.Duration(50 * time.Millisecond)},
			Variants: []simulator.VariantConfig{
				{Name: "h100", Profile: "llama-3.1-8b-h100-80gb", Cost: 3, StartupDelay: simulator.Duration(time.Minute),
					MinReplicas: IntP(1), MaxReplicas: IntP(20)},
			},
		}},
		Policies: policies,
	}
}

// WithA100 adds an A100 variant (cost 1.8, one-minute start-up, at most 20) to the
// first model.
func WithA100(c simulator.Config) simulator.Config {
	c.Models[0].Variants = append(c.Models[0].Variants, simulator.VariantConfig{Name: "a100", Profile: "llama-3.1-8b-a100-80gb",
		Cost: 1.8, StartupDelay: simulator.Duration(time.Minute), MaxReplicas: IntP(20)})
	return c
}

// Scenario builds the scenario or fails the test.
func Scenario(tb testing.TB, c simulator.Config) *simulator.Scenario {
	tb.Helper()
	sc, err := simulator.NewScenario(c, "")
	if err != nil {
		tb.Fatalf("scenario: %v", err)
	}
	return sc
}

// RelDiff is |a-b| relative to b.
func RelDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-12) }
