package simulator

import (
	"math"
	"time"
)

// intp returns a pointer to n.
func intp(n int) *int { return &n }

// testConfig is a one-model scenario with an H100 variant under a synthetic pattern;
// tests adjust it. (simtest.Config is the same for the packages above this one, which
// this package's own tests cannot import.)
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

func relDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-12) }
