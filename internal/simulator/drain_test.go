package simulator

import (
	"slices"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// TestScaleDownRemovesIdleReplicasFirstWithHint: with the drain-aware hint the replicas
// a scale-down removes are the Ready ones with the least work in flight (by the deciding
// snapshot's signals, through decision.DrainFirst); without it, the ReplicaSet's order
// (unscheduled, starting, then the newest Ready). Pods not yet serving go first either way.
func TestScaleDownRemovesIdleReplicasFirstWithHint(t *testing.T) {
	pod := func(id int, st replicaState) *replica {
		return &replica{id: id, pod: "h100-" + string(rune('a'+id)), state: st}
	}
	sig := func(p string, running, waiting, kv float64) decision.ReplicaSignals {
		return decision.ReplicaSignals{Variant: "h100", Pod: p, Running: running, Waiting: waiting, KvCacheUsage: kv}
	}
	// a is oldest; a and c are idle, b and d busy; d is the newest.
	busyNewest := []decision.ReplicaSignals{sig("h100-a", 0, 0, 0), sig("h100-b", 12, 3, 0.6), sig("h100-c", 0, 0, 0.01), sig("h100-d", 20, 0, 0.8)}
	for _, tc := range []struct {
		name    string
		hint    bool
		states  []replicaState
		signals []decision.ReplicaSignals
		to      int
		want    []string
	}{
		{"off: newest ready first", false, []replicaState{stateReady, stateReady, stateReady, stateReady}, busyNewest, 2, []string{"h100-d", "h100-c"}},
		{"on: idle ready first", true, []replicaState{stateReady, stateReady, stateReady, stateReady}, busyNewest, 2, []string{"h100-a", "h100-c"}},
		{"on: the idlest of one", true, []replicaState{stateReady, stateReady, stateReady, stateReady}, busyNewest, 3, []string{"h100-a"}},
		{"on: starting pod goes before any ready one", true, []replicaState{stateReady, stateReady, stateReady, stateStarting}, busyNewest, 2, []string{"h100-d", "h100-a"}},
		{"on: no signals, ReplicaSet order", true, []replicaState{stateReady, stateReady, stateReady, stateReady}, nil, 3, []string{"h100-d"}},
		{"on: a pod without a sample is never marked", true, []replicaState{stateReady, stateReady, stateReady, stateReady}, busyNewest[1:], 1, []string{"h100-c", "h100-b", "h100-d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sim{cfg: &Config{DrainAwareScaleDown: tc.hint}}
			v := &variantRun{cfg: &VariantConfig{Name: "h100"}}
			for i, st := range tc.states {
				v.live = append(v.live, pod(i, st))
			}
			var got []string
			for _, r := range victims(v.live, len(v.live)-tc.to, s.drainFirst(v, tc.to, tc.signals)) {
				got = append(got, r.pod)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("scale-down from %d to %d removes %v, want %v", len(v.live), tc.to, got, tc.want)
			}
		})
	}
}

// TestDrainCountsAbortsAtTimeout: a scale-down from three replicas to one under load
// removes two serving replicas with requests in flight; with a drainTimeout shorter than
// their answers, what they still hold then is aborted, counted, and fails (requests
// still running when the period and the drain timeout are over fail too, uncounted).
func TestDrainCountsAbortsAtTimeout(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 6, Duration: Duration(4 * time.Minute), PromptTokens: 1000, OutputTokens: 2000}
	c := testConfig(pat)
	c.DrainTimeout = Duration(time.Second)
	for _, hint := range []bool{false, true} {
		c.DrainAwareScaleDown = hint
		p := &scriptPolicy{initial: 3, at: []time.Duration{2 * time.Minute}, counts: []int{1}}
		res, err := scenario(t, c).Run(p, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d := res.Drain
		if res.ScaleDowns != 1 || d.RemovedServing != 2 {
			t.Fatalf("hint=%v: %d scale-downs removing %d serving replicas, want 1 and 2", hint, res.ScaleDowns, d.RemovedServing)
		}
		if d.Aborted == 0 || d.Aborted > d.InFlightAtRemoval || d.Aborted > res.Failed {
			t.Errorf("hint=%v: %d aborted, %d in flight at removal, %d failed: want 0 < aborted <= in flight, aborted <= failed",
				hint, d.Aborted, d.InFlightAtRemoval, res.Failed)
		}
	}
}
