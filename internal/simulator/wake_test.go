package simulator

import (
	"testing"
	"time"
)

// wakePolicy wakes a model at zero (one replica) as soon as a request waits for it, and
// records when it was asked; with a fast path it is asked between intervals.
type wakePolicy struct {
	within time.Duration
	asked  []time.Duration
}

func (p *wakePolicy) Name() string { return "wake" }
func (p *wakePolicy) Traits() Traits {
	return Traits{Interval: 30 * time.Second, WakeWithin: p.within, Type: "wake"}
}
func (p *wakePolicy) Initial() Desired { return Desired{{0}} }
func (p *wakePolicy) Decide(v *View) (Desired, error) {
	p.asked = append(p.asked, v.Now)
	if v.Models[0].Snapshot.WaitingDemand.Requests > 0 || len(v.Models[0].Snapshot.Replicas) > 0 {
		return Desired{{1}}, nil
	}
	return Desired{{0}}, nil
}

// A policy with a scale-from-zero fast path is asked about a model at zero WakeWithin
// after its first waiting request, between intervals; without one, at the next interval.
func TestWakeWithinDecidesBetweenIntervals(t *testing.T) {
	pat := PatternConfig{Kind: "constant", Rate: 0.2, Duration: Duration(50 * time.Second), PromptTokens: 500, OutputTokens: 50}
	c := testConfig(pat)
	between := func(p *wakePolicy) []time.Duration {
		res, err := scenario(t, c).Run(p, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed != 0 || res.WaitedNoReplica == 0 {
			t.Fatalf("failed %d, waited %d: want requests held at zero, none failed", res.Failed, res.WaitedNoReplica)
		}
		var out []time.Duration
		for _, at := range p.asked {
			if at%(30*time.Second) != 0 {
				out = append(out, at)
			}
		}
		return out
	}
	if got := between(&wakePolicy{}); len(got) != 0 {
		t.Errorf("without a fast path the policy was asked between intervals at %v", got)
	}
	got := between(&wakePolicy{within: time.Second})
	if len(got) != 1 || got[0] > 10*time.Second {
		t.Errorf("with a fast path the policy was asked between intervals at %v; want once, a second after the first arrival", got)
	}
}
