package simulator

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// determinismConfig exercises every random source: Poisson arrivals with bursts, two
// service classes, step jitter, scrape offsets, and every policy type.
func determinismConfig(seed uint64) Config {
	pat := PatternConfig{Kind: "burst", Rate: 4, Rate2: 20, Duration: Duration(8 * time.Minute), PromptTokens: 800, OutputTokens: 150}
	c := testConfig(pat,
		PolicyConfig{Name: "wva-v1", Type: PolicyWVA},
		PolicyConfig{Name: "wva-v2", Type: PolicyWVA, Saturation: &decision.SaturationConfig{Version: decision.SaturationV2}},
		PolicyConfig{Name: "hpa", Type: PolicyHPA, Target: 20, Interval: Duration(15 * time.Second)},
		PolicyConfig{Name: "static-min", Type: PolicyStaticSearch, SearchMax: 8},
	)
	c.Seed = seed
	c.StepJitter = 0.03
	c.Models[0].Classes = []ClassConfig{
		{Name: "chat", Weight: 3, SLO: SLO{TTFT: Duration(time.Second), ITL: Duration(50 * time.Millisecond)}},
		{Name: "batch", Weight: 1, SLO: SLO{TTFT: Duration(10 * time.Second), ITL: Duration(100 * time.Millisecond)}},
	}
	return c
}

// TestSameSeedSameResult: two runs of the same config and seed give byte-identical JSON
// (no map order, goroutine or clock leaks into the result), and another seed does not
// (the seed really drives the randomness).
func TestSameSeedSameResult(t *testing.T) {
	marshal := func(seed uint64) []byte {
		b, err := json.Marshal(compare(t, determinismConfig(seed)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := marshal(3), marshal(3)
	if !bytes.Equal(a, b) {
		t.Fatalf("same seed, different JSON (%d vs %d bytes)", len(a), len(b))
	}
	if bytes.Equal(a, marshal(4)) {
		t.Fatal("different seeds gave identical JSON: the seed drives nothing")
	}
	var r Result
	if err := json.Unmarshal(a, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Policies) != 5 || len(r.Policies[0].Classes) != 2 {
		t.Fatalf("want 5 policies (oracle added) with 2 classes each, got %d policies, %d classes", len(r.Policies), len(r.Policies[0].Classes))
	}
}
