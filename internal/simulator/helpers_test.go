package simulator

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sharedTracePath is the shared trace, relative to this package (the repository's
// sibling directory shared/, as CI checks it out).
const sharedTracePath = "../../../shared/traces/azure-llm-2023-conv.csv"

// requireSharedTrace fails with a clear message when the shared trace is missing.
func requireSharedTrace(tb testing.TB) string {
	tb.Helper()
	p, err := filepath.Abs(sharedTracePath)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared trace missing at %s (check out the shared/ directory beside the repository): %v", p, err)
	}
	return p
}

// intp returns a pointer to n.
func intp(n int) *int { return &n }

// testConfig is a one-model scenario with an H100 and an A100 variant under a
// synthetic pattern; tests adjust it.
func testConfig(pattern PatternConfig, policies ...PolicyConfig) Config {
	return Config{
		Seed:             7,
		DecisionInterval: Duration(30 * time.Second),
		Load:             LoadConfig{Pattern: &pattern},
		Models: []ModelConfig{{
			Name: "llama",
			SLO:  SLO{TTFT: Duration(time.Second), ITL: Duration(50 * time.Millisecond)},
			Variants: []VariantConfig{
				{Name: "h100", Profile: "llama-3.1-8b-h100-80gb", Cost: 3, StartupDelay: Duration(time.Minute),
					MinReplicas: intp(1), MaxReplicas: intp(20)},
			},
		}},
		Policies: policies,
	}
}

// compare builds the scenario and runs every policy.
func compare(t *testing.T, c Config) *Result {
	t.Helper()
	sc, err := NewScenario(c, "")
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	res, err := sc.Compare(CompareOptions{})
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	return res
}

// policy returns the named policy's result.
func policy(t *testing.T, r *Result, name string) PolicyResult {
	t.Helper()
	for _, p := range r.Policies {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %q in result", name)
	return PolicyResult{}
}
