package simulator

import (
	"testing"
	"time"
)

// TestIdealReleasesGPUs: an ideal policy's removed replicas free their GPUs at once, so
// with a full inventory its new replicas serve immediately; a real policy's wait for
// the drain.
func TestIdealReleasesGPUs(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 2, Duration: Duration(4 * time.Minute), PromptTokens: 500, OutputTokens: 6000}
	c := testConfig(pat)
	c.GPUs = map[string]int{"H100-80GB": 2}
	c.Models[0].Variants[0].StartupDelay = 0 // bound is serving: only the GPUs can hold a replica back
	// one scenario, calibrated once, for both runs
	sc := scenario(t, c)
	for _, ideal := range []bool{true, false} {
		p := &scriptPolicy{initial: 2, at: []time.Duration{time.Minute, 90 * time.Second}, counts: []int{0, 2}, ideal: ideal}
		if _, err := sc.Run(p, RunOptions{}); err != nil {
			t.Fatal(err)
		}
		ready := p.views[3].Models[0].Snapshot.Variants[0].ReadyReplicas // at 2m
		if ideal && ready != 2 {
			t.Errorf("ideal: %d ready 30 s after re-adding into a full inventory, want 2", ready)
		}
		if !ideal && ready != 0 {
			t.Errorf("real: %d ready while the removed replicas still drain and hold the GPUs, want 0", ready)
		}
	}
}
