package simulator

import (
	"math"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// scriptPolicy is a test policy that plays a fixed schedule of counts for one variant
// and keeps every view it was given: it shows a policy plugging in through the
// interface, and lets tests look at the snapshots the simulator builds.
type scriptPolicy struct {
	initial int
	at      []time.Duration
	counts  []int
	ideal   bool
	views   []*View
}

func (p *scriptPolicy) Name() string { return "script" }
func (p *scriptPolicy) Traits() Traits {
	return Traits{Interval: 30 * time.Second, Type: "script", Ideal: p.ideal}
}
func (p *scriptPolicy) Initial() Desired { return Desired{{p.initial}} }
func (p *scriptPolicy) Decide(v *View) (Desired, error) {
	p.views = append(p.views, v)
	n := p.initial
	for i, at := range p.at {
		if v.Now >= at {
			n = p.counts[i]
		}
	}
	return Desired{{n}}, nil
}

func scenario(t *testing.T, c Config) *Scenario {
	t.Helper()
	sc, err := NewScenario(c, "")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestRemovedReplicaDrainsAndLeavesSnapshot: a removed replica finishes its requests
// (nothing fails), is billed until it has drained, and drops out of the snapshot once
// its last sample is older than the metrics window, as a Prometheus range query does.
func TestRemovedReplicaDrainsAndLeavesSnapshot(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 6, Duration: Duration(6 * time.Minute), PromptTokens: 1000, OutputTokens: 300}
	c := testConfig(pat)
	sc := scenario(t, c) // one scenario, calibrated once, for both runs
	for _, ideal := range []bool{false, true} {
		p := &scriptPolicy{initial: 3, at: []time.Duration{2 * time.Minute}, counts: []int{1}, ideal: ideal}
		res, err := sc.Run(p, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed != 0 || res.Finished != res.Requests {
			t.Fatalf("ideal=%v: %d failed, %d of %d finished", ideal, res.Failed, res.Finished, res.Requests)
		}
		hours := res.ReplicaHours[0].Hours
		noDrain := (3*2.0 + 1*4.0) / 60 // replica-minutes without any drain
		if ideal && math.Abs(hours-noDrain) > 1e-9 {
			t.Errorf("ideal policy billed %.4f h, want %.4f (draining is free)", hours, noDrain)
		}
		if !ideal && (hours <= noDrain || hours > noDrain+2*time.Minute.Hours()) {
			t.Errorf("billed %.4f h, want more than %.4f (drain billed) and less than two extra replica-minutes", hours, noDrain)
		}
		pods := func(now time.Duration) int {
			for _, v := range p.views {
				if v.Now == now {
					return len(v.Models[0].Snapshot.Replicas)
				}
			}
			t.Fatalf("no view at %v", now)
			return 0
		}
		if got := pods(2 * time.Minute); got != 3 {
			t.Errorf("ideal=%v: snapshot at 2m has %d pods, want 3", ideal, got)
		}
		if got := pods(4 * time.Minute); got != 1 {
			t.Errorf("ideal=%v: snapshot at 4m has %d pods, want 1 (drained pods age out of the 1m window)", ideal, got)
		}
	}
}

// TestSnapshotSignals: the snapshot carries the controller's inventory and signals.
func TestSnapshotSignals(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 8, Duration: Duration(4 * time.Minute), PromptTokens: 1000, OutputTokens: 200}
	c := testConfig(pat)
	p := &scriptPolicy{initial: 2, at: []time.Duration{time.Minute}, counts: []int{3}}
	sc := scenario(t, c)
	if _, err := sc.Run(p, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	v := p.views[2] // at 1m30s: the third replica is starting (1m start-up)
	s := v.Models[0].Snapshot
	if s.Now != epoch().Add(90*time.Second) || s.Variants[0].CurrentReplicas != 3 || s.Variants[0].ReadyReplicas != 2 {
		t.Fatalf("snapshot at %v: current %d ready %d, want 3 and 2", s.Now, s.Variants[0].CurrentReplicas, s.Variants[0].ReadyReplicas)
	}
	if s.Variants[0].PreviousDesired == nil || *s.Variants[0].PreviousDesired != 3 {
		t.Errorf("previous desired %v, want 3", s.Variants[0].PreviousDesired)
	}
	if len(s.Replicas) != 2 {
		t.Fatalf("%d replica samples, want 2 (the starting pod reports nothing)", len(s.Replicas))
	}
	for _, r := range s.Replicas {
		// prompt tokens count at the first token, successes at the end, so over a window
		// the ratio runs slightly above the prompt length, as it does in Prometheus
		if r.NumGPUBlocks <= 0 || r.BlockSize != 16 || r.KvCacheUsage <= 0 || relDiff(r.AvgInputTokens, 1000) > 0.02 || r.AvgOutputTokens != 200 {
			t.Errorf("replica %s signals %+v", r.Pod, r)
		}
		if age := s.Now.Sub(r.SampleTime); age < 0 || age >= sc.Config.ScrapeInterval.D() {
			t.Errorf("replica %s sample %v old, want within one scrape interval", r.Pod, age)
		}
	}
	s.Saturation = decision.DefaultSaturationConfig() // the policy's part
	if d, err := decision.Decide(s); err != nil || d.SafetyNet {
		t.Errorf("the decision core rejects the snapshot: %v, safety net %v (%s)", err, d.SafetyNet, d.Reason)
	}
}

// TestPeakOverWindow: max_over_time semantics of the sampler.
func TestPeakOverWindow(t *testing.T) {
	r := &replica{samples: []sample{{at: 0, kv: 0.9, waiting: 9}, {at: 15 * time.Second, kv: 0.2, waiting: 1}, {at: 30 * time.Second, kv: 0.5}, {at: 45 * time.Second, kv: 0.3, waiting: 2}}}
	kv, w, ok := r.peak(60*time.Second, time.Minute)
	if !ok || kv != 0.5 || w != 2 {
		t.Errorf("peak over (0s, 60s] = %v, %v, %v; want 0.5, 2 (the sample at 0s is outside)", kv, w, ok)
	}
	if _, _, ok := r.peak(106*time.Second, time.Minute); ok {
		t.Error("a window with no samples returned a value")
	}
	r.samples[1].success, r.samples[3].success = 4, 10
	if inc, span := r.increase(60*time.Second, time.Minute, func(s *sample) float64 { return s.success }); inc != 10-4 || span != 30*time.Second {
		t.Errorf("increase = %v over %v, want 6 over 30s", inc, span)
	}
}

// TestGPULimitAndGateway: replicas beyond the GPU limit stay unschedulable and unbilled;
// a model with no ready replica holds requests at the gateway and reports them.
func TestGPULimitAndGateway(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 2, Duration: Duration(3 * time.Minute), PromptTokens: 500, OutputTokens: 50}
	c := testConfig(pat)
	c.GPUs = map[string]int{"H100-80GB": 2}
	p := &scriptPolicy{initial: 0, at: []time.Duration{30 * time.Second}, counts: []int{4}}
	res, err := scenario(t, c).Run(p, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.WaitedNoReplica == 0 || res.Failed != 0 {
		t.Errorf("waited %d, failed %d: want requests held at the gateway until a replica is ready, none failed", res.WaitedNoReplica, res.Failed)
	}
	v := p.views[1] // at 1m: two pods bound, two unschedulable
	if s := v.Models[0].Snapshot; s.FreeGPUs["H100-80GB"] != 0 || s.Variants[0].CurrentReplicas != 4 {
		t.Errorf("free GPUs %v, current %d; want 0 and 4", s.FreeGPUs, s.Variants[0].CurrentReplicas)
	}
	if p.views[0].Models[0].Snapshot.WaitingDemand.Requests == 0 {
		t.Error("the first snapshot reports no demand waiting at the gateway")
	}
	want := 2 * (3*time.Minute - 30*time.Second).Hours() // only two pods are ever bound
	if got := res.ReplicaHours[0].Hours; math.Abs(got-want) > 1e-9 {
		t.Errorf("billed %.4f h, want %.4f (two bound pods)", got, want)
	}
}
