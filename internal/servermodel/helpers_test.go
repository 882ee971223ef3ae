package servermodel

import (
	"math/rand/v2"
	"testing"
	"time"
)

// smallParams is a tiny engine that makes queueing and preemption easy to provoke.
func smallParams() Params {
	return Params{
		BlockSize:           16,
		NumGPUBlocks:        4096,
		MaxNumSeqs:          64,
		MaxNumBatchedTokens: 512,
		MaxModelLen:         4096,
		Alpha:               5 * time.Millisecond,
		Beta:                20 * time.Microsecond,
		Gamma:               50 * time.Nanosecond,
	}
}

func newReplica(t *testing.T, p Params, opt Options) *Replica {
	t.Helper()
	r, err := NewReplica(p, opt)
	if err != nil {
		t.Fatalf("NewReplica: %v", err)
	}
	return r
}

// arrival is one request at a virtual time.
type arrival struct {
	at  time.Duration
	req Request
}

// poisson makes n arrivals at rate per second with fixed lengths.
func poisson(seed uint64, n int, rate float64, prompt, output int) []arrival {
	rng := rand.New(rand.NewPCG(seed, 7))
	var at time.Duration
	out := make([]arrival, n)
	for i := range out {
		at += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
		out[i] = arrival{at: at, req: Request{ID: RequestID(i + 1), PromptTokens: prompt, OutputTokens: output}}
	}
	return out
}

// drive submits the arrivals in order and runs the replica until it is idle, returning
// every event and calling check after each submission and step.
func drive(t *testing.T, r *Replica, arrivals []arrival, check func()) []Event {
	t.Helper()
	var events []Event
	sink := func(e Event) { events = append(events, e) }
	for _, a := range arrivals {
		if err := r.Advance(a.at, sink); err != nil {
			t.Fatalf("Advance: %v", err)
		}
		if err := r.Submit(a.req, a.at); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if check != nil {
			check()
		}
	}
	for r.Step(sink) {
		if check != nil {
			check()
		}
	}
	if !r.Idle() {
		t.Fatalf("engine stopped with %d live requests", len(r.live))
	}
	return events
}
