package demo

import (
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/testinput"
)

func TestBurstScenarioFollowsItsPhases(t *testing.T) {
	d := 200 * time.Second
	sc, err := BurstScenario(d, DefaultBurstShape(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Phases[0].From != 0 || sc.Phases[len(sc.Phases)-1].To != d {
		t.Fatalf("phases do not cover the duration: %+v", sc.Phases)
	}
	count := func(name string) (n int, secs float64) {
		for _, p := range sc.Phases {
			if p.Name != name {
				continue
			}
			secs += (p.To - p.From).Seconds()
			for _, r := range sc.Requests {
				if r.At >= p.From && r.At < p.To {
					n++
				}
			}
		}
		return n, secs
	}
	burstN, burstS := count("burst")
	quietN, quietS := count("quiet")
	burstRate, quietRate := float64(burstN)/burstS, float64(quietN)/quietS
	shape := DefaultBurstShape()
	if burstRate < 0.8*shape.Burst || burstRate > 1.2*shape.Burst {
		t.Errorf("burst rate %.1f/s, want about %.0f/s", burstRate, shape.Burst)
	}
	if quietRate > 2*shape.Quiet {
		t.Errorf("quiet rate %.1f/s, want about %.0f/s", quietRate, shape.Quiet)
	}
	if got := sc.PhaseAt(sc.Phases[2].From + time.Second); got != "burst" {
		t.Errorf("PhaseAt in the burst = %q", got)
	}
	if got := sc.PhaseAt(d + time.Second); got != "done" {
		t.Errorf("PhaseAt past the end = %q", got)
	}
	again, _ := BurstScenario(d, shape, 7)
	if len(again.Requests) != len(sc.Requests) || again.Requests[10] != sc.Requests[10] {
		t.Error("the same seed gave another schedule")
	}
}

func TestBurstScenarioRejectsTooShort(t *testing.T) {
	if _, err := BurstScenario(10*time.Second, DefaultBurstShape(), 1); err == nil {
		t.Fatal("want an error for a 10s scenario")
	}
}

func TestTraceScenarioReplaysTheSharedTrace(t *testing.T) {
	path := testinput.SharedTrace(t)
	sc, err := TraceScenario(path, 0, 4, 30*time.Second, 1)
	if err != nil {
		t.Fatalf("trace scenario from %s: %v", path, err)
	}
	if len(sc.Requests) == 0 || sc.Credit == "" {
		t.Fatalf("trace scenario: %d requests, credit %q", len(sc.Requests), sc.Credit)
	}
	for _, r := range sc.Requests {
		if r.At >= 30*time.Second {
			t.Fatalf("request at %v beyond the 30s window", r.At)
		}
	}
}

func TestIdleTailSendsNothingThenWakes(t *testing.T) {
	shape := DefaultBurstShape()
	shape.IdleTail = true
	sc, err := BurstScenario(5*time.Minute, shape, 3)
	if err != nil {
		t.Fatal(err)
	}
	idle, wake := sc.Phases[len(sc.Phases)-2], sc.Phases[len(sc.Phases)-1]
	if idle.Name != "idle" || wake.Name != "wake" || wake.To != sc.Duration {
		t.Fatalf("last phases %q and %q, want idle then wake to the end", idle.Name, wake.Name)
	}
	if idle.To-idle.From < 2*time.Minute {
		t.Errorf("idle for %v: too short for the retention period and the peak window", idle.To-idle.From)
	}
	woken := 0
	for _, r := range sc.Requests {
		if r.At >= idle.From && r.At < idle.To {
			t.Fatalf("request at %v in the idle phase [%v, %v)", r.At, idle.From, idle.To)
		}
		if r.At >= wake.From {
			woken++
		}
	}
	if woken == 0 {
		t.Fatal("no request in the wake phase")
	}
}
