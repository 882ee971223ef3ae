package servermodel

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestLatencyGrowsWithLoad(t *testing.T) {
	var prevTTFT, prevITL float64
	for i, rate := range []float64{1, 10, 40, 80} {
		r := newReplica(t, smallParams(), Options{})
		drive(t, r, poisson(1, 400, rate, 256, 64), nil)
		s := r.Stats()
		ttft, itl := s.TTFT.Mean(), s.ITL.Mean()
		t.Logf("rate %g req/s: mean TTFT %.4fs mean ITL %.4fs", rate, ttft, itl)
		if i > 0 && (ttft <= prevTTFT || itl <= prevITL) {
			t.Errorf("rate %g: TTFT %.4f (before %.4f) and ITL %.4f (before %.4f) must both grow", rate, ttft, prevTTFT, itl, prevITL)
		}
		prevTTFT, prevITL = ttft, itl
	}
}

func TestKVUsageTracksTokensHeld(t *testing.T) {
	p := smallParams()
	r := newReplica(t, p, Options{})
	maxUsage := 0.0
	check := func() {
		held := 0
		for _, s := range r.running {
			held += p.blocksFor(s.computed + s.scheduled)
			if s.blocks != p.blocksFor(s.computed+s.scheduled) {
				t.Fatalf("request %d holds %d blocks for %d tokens", s.req.ID, s.blocks, s.computed+s.scheduled)
			}
		}
		st := r.Stats()
		if st.UsedBlocks != held {
			t.Fatalf("used blocks %d, running requests hold %d", st.UsedBlocks, held)
		}
		if want := float64(held) / float64(p.NumGPUBlocks); r.KVUsage() != want || st.KVUsage() != want {
			t.Fatalf("kv usage %g, want %g", r.KVUsage(), want)
		}
		maxUsage = max(maxUsage, r.KVUsage())
	}
	drive(t, r, poisson(2, 50, 20, 300, 100), check)
	if maxUsage == 0 {
		t.Fatal("KV usage never rose")
	}
	if r.KVUsage() != 0 {
		t.Errorf("KV usage %g after all requests finished, want 0", r.KVUsage())
	}
}

func TestKVUsageOfOneRequest(t *testing.T) {
	p := smallParams()
	r := newReplica(t, p, Options{})
	if err := r.Submit(Request{ID: 1, PromptTokens: 100, OutputTokens: 40}, 0); err != nil {
		t.Fatal(err)
	}
	// The prefill step holds ceil(100/16) = 7 blocks; after k tokens the next step holds
	// the blocks for 100+k tokens.
	if got := r.Stats().UsedBlocks; got != 7 {
		t.Fatalf("during prefill: %d blocks, want 7", got)
	}
	for k := 1; k < 40; k++ {
		r.Step(Discard)
		if got, want := r.Stats().UsedBlocks, p.blocksFor(100+k); got != want {
			t.Fatalf("after %d tokens: %d blocks, want %d", k, got, want)
		}
	}
}

func TestRequestsQueueOnceMaxNumSeqsRun(t *testing.T) {
	p := smallParams()
	p.MaxNumSeqs = 4
	r := newReplica(t, p, Options{})
	for i := range 10 {
		if err := r.Submit(Request{ID: RequestID(i), PromptTokens: 32, OutputTokens: 50}, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The first arrival found the engine idle and started a step alone; the others are
	// admitted when that step ends.
	r.Step(Discard)
	if got := r.NumRunning(); got != 4 {
		t.Errorf("running %d, want max_num_seqs 4", got)
	}
	if got := r.NumWaiting(); got != 6 {
		t.Errorf("waiting %d, want 6", got)
	}
	for r.Step(Discard) {
		if r.NumRunning() > 4 {
			t.Fatalf("running %d exceeds max_num_seqs", r.NumRunning())
		}
		if r.NumWaiting() > 0 && r.NumRunning() < 4 {
			t.Fatalf("%d waiting while only %d running", r.NumWaiting(), r.NumRunning())
		}
	}
	if got := r.Stats().Success[FinishLength]; got != 10 {
		t.Errorf("completed %d, want 10", got)
	}
}

func TestPreemptionWhenKVRunsOutAndAllComplete(t *testing.T) {
	p := smallParams()
	p.NumGPUBlocks = 64 // 1024 tokens, far less than 8 × 300
	p.MaxModelLen = 1024
	r := newReplica(t, p, Options{TokenEvents: true})
	var arrivals []arrival
	for i := range 8 {
		arrivals = append(arrivals, arrival{at: time.Duration(i) * time.Millisecond,
			req: Request{ID: RequestID(i + 1), PromptTokens: 100, OutputTokens: 200}})
	}
	events := drive(t, r, arrivals, func() {
		if r.freeBlocks < 0 {
			t.Fatalf("free blocks went negative: %d", r.freeBlocks)
		}
	})
	st := r.Stats()
	if st.Preemptions == 0 {
		t.Fatal("no preemption although the KV cache holds less than the requests need")
	}
	tokens := map[RequestID]int{}
	finished := map[RequestID]Event{}
	preempted := 0
	for _, e := range events {
		switch e.Kind {
		case EventFirstToken, EventToken:
			tokens[e.ID]++
		case EventFinished:
			finished[e.ID] = e
		case EventPreempted:
			preempted++
		}
	}
	if uint64(preempted) != st.Preemptions {
		t.Errorf("%d preemption events, counter says %d", preempted, st.Preemptions)
	}
	for i := range 8 {
		id := RequestID(i + 1)
		if e, ok := finished[id]; !ok || e.OutputTokens != 200 || tokens[id] != 200 {
			t.Errorf("request %d: finished=%v output=%d token events=%d, want 200", id, ok, e.OutputTokens, tokens[id])
		}
	}
	if st.Success[FinishLength] != 8 || st.GenerationTokens != 1600 || st.PromptTokens != 800 {
		t.Errorf("success %d, generation %d, prompt %d; want 8, 1600, 800",
			st.Success[FinishLength], st.GenerationTokens, st.PromptTokens)
	}
	if st.UsedBlocks != 0 {
		t.Errorf("%d blocks still used", st.UsedBlocks)
	}
}

func TestPreemptionEvictsNewestFirst(t *testing.T) {
	p := smallParams()
	p.NumGPUBlocks = 20 // 320 tokens
	p.MaxModelLen = 320
	r := newReplica(t, p, Options{})
	var first RequestID
	sink := func(e Event) {
		if e.Kind == EventPreempted && first == 0 {
			first = e.ID
		}
	}
	for i := range 3 {
		if err := r.Submit(Request{ID: RequestID(i + 1), PromptTokens: 64, OutputTokens: 200}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for r.Step(sink) {
	}
	if first != 3 {
		t.Errorf("first preempted request %d, want the newest (3)", first)
	}
}

func TestChunkedPrefill(t *testing.T) {
	p := smallParams() // 512-token budget
	r := newReplica(t, p, Options{})
	if err := r.Submit(Request{ID: 1, PromptTokens: 1200, OutputTokens: 2}, 0); err != nil {
		t.Fatal(err)
	}
	steps := 0
	var first Event
	for r.Step(func(e Event) {
		if e.Kind == EventFirstToken {
			first = e
		}
	}) {
		steps++
		if first.ID != 0 {
			break
		}
	}
	if steps != 3 { // 512 + 512 + 176
		t.Errorf("first token after %d steps, want 3 chunks", steps)
	}
	want := 3*p.Alpha + 1200*p.Beta + (512+1024+1200)*p.Gamma
	if first.TTFT() != want {
		t.Errorf("TTFT %v, want %v", first.TTFT(), want)
	}
}

func TestStepTimeModel(t *testing.T) {
	p := smallParams()
	r := newReplica(t, p, Options{})
	if err := r.Submit(Request{ID: 1, PromptTokens: 100, OutputTokens: 3}, 0); err != nil {
		t.Fatal(err)
	}
	end, _ := r.NextStepEnd()
	if want := p.Alpha + 100*p.Beta + 100*p.Gamma; end != want {
		t.Fatalf("prefill step ends %v, want %v", end, want)
	}
	r.Step(Discard)
	next, _ := r.NextStepEnd()
	if want := end + p.Alpha + p.Beta + 101*p.Gamma; next != want {
		t.Fatalf("decode step ends %v, want %v", next, want)
	}
}

func TestSameSeedSameResult(t *testing.T) {
	run := func(seed uint64) []Event {
		r := newReplica(t, smallParams(), Options{Seed: seed, StepJitter: 0.05, TokenEvents: true})
		return drive(t, r, poisson(3, 200, 30, 200, 80), nil)
	}
	a, b, c := run(1), run(1), run(2)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different event sequences")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds gave identical event sequences; jitter has no effect")
	}
}

func TestAbortFreesBlocks(t *testing.T) {
	r := newReplica(t, smallParams(), Options{})
	if err := r.Submit(Request{ID: 1, PromptTokens: 100, OutputTokens: 100}, 0); err != nil {
		t.Fatal(err)
	}
	r.Step(Discard)
	if err := r.Abort(1, r.Now()); err != nil {
		t.Fatal(err)
	}
	var finished bool
	for r.Step(func(e Event) { finished = finished || e.Kind == EventFinished }) {
	}
	st := r.Stats()
	if finished || st.UsedBlocks != 0 || st.Success[FinishAbort] != 1 || !r.Idle() {
		t.Errorf("after abort: finished=%v used=%d aborts=%d idle=%v", finished, st.UsedBlocks, st.Success[FinishAbort], r.Idle())
	}
	if err := r.Abort(1, r.Now()); !errors.Is(err, ErrUnknownID) {
		t.Errorf("second abort: %v, want ErrUnknownID", err)
	}
}

func TestSubmitRejectsBadInput(t *testing.T) {
	r := newReplica(t, smallParams(), Options{})
	if err := r.Submit(Request{ID: 1, PromptTokens: 4000, OutputTokens: 200}, 0); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("over max_model_len: %v", err)
	}
	if err := r.Submit(Request{ID: 1, PromptTokens: 10, OutputTokens: 0}, 0); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("zero output: %v", err)
	}
	if err := r.Submit(Request{ID: 1, PromptTokens: 10, OutputTokens: 10}, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := r.Submit(Request{ID: 1, PromptTokens: 10, OutputTokens: 10}, time.Second); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("duplicate: %v", err)
	}
	if err := r.Submit(Request{ID: 2, PromptTokens: 10, OutputTokens: 10}, 0); !errors.Is(err, ErrTimeTravel) {
		t.Errorf("past: %v", err)
	}
	if err := r.Submit(Request{ID: 2, PromptTokens: 10, OutputTokens: 10}, time.Hour); !errors.Is(err, ErrTimeTravel) {
		t.Errorf("skipping a step: %v", err)
	}
}

func TestCountersAndHistograms(t *testing.T) {
	r := newReplica(t, smallParams(), Options{})
	events := drive(t, r, poisson(4, 30, 5, 120, 30), nil)
	st := r.Stats()
	var ttftSum float64
	for _, e := range events {
		if e.Kind == EventFinished {
			ttftSum += e.TTFT().Seconds()
		}
	}
	if st.TTFT.Count != 30 || st.E2E.Count != 30 || st.ITL.Count != 30*29 {
		t.Errorf("histogram counts ttft=%d e2e=%d itl=%d", st.TTFT.Count, st.E2E.Count, st.ITL.Count)
	}
	if d := st.TTFT.Sum - ttftSum; d > 1e-9 || d < -1e-9 {
		t.Errorf("TTFT histogram sum %g, events say %g", st.TTFT.Sum, ttftSum)
	}
	if st.PromptLen.Sum != 30*120 || st.GenerationLen.Sum != 30*30 || st.PrefixCacheQueries != 30*120 {
		t.Errorf("prompt len sum %g, generation len sum %g, prefix queries %d", st.PromptLen.Sum, st.GenerationLen.Sum, st.PrefixCacheQueries)
	}
}
