package loadgen

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
	"github.com/workload-variant-autoscaler/wva/internal/vllmsim"
)

const simModel = "meta-llama/Llama-3.1-8B-Instruct"

// startSim runs vllm-sim with the H100 profile in real time (time scale 1, so client
// and server latencies are in the same seconds) on a 127.0.0.1 listener.
func startSim(t *testing.T, mutate func(*servermodel.Params)) (string, *vllmsim.Server) {
	t.Helper()
	p, err := servermodel.LoadProfile("llama-3.1-8b-h100-80gb")
	if err != nil {
		t.Fatal(err)
	}
	params, err := p.Params()
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(&params)
	}
	srv, err := vllmsim.New(vllmsim.Config{Model: simModel, Params: params, Seed: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), srv
}

// TestReplayTraceMatchesServerTTFT replays the first 40 s of the shared Azure trace
// (CC-BY, Azure Public Dataset) 4x faster (about half the H100 profile's capacity) against vllm-sim and checks that the TTFT the
// client measures agrees with the server's vllm:time_to_first_token_seconds.
//
// Tolerance: the client's clock starts before the request is sent and stops when the
// chunk is read, the server's runs from submission to the end of the engine step, so the
// client sees the server's TTFT plus loopback transfer, JSON handling of prompts of up to
// thousands of token IDs, the driver's wake-up latency and SSE delivery — each well under
// a millisecond on an idle machine, but this one has two shared cores. The client mean
// may therefore exceed the server mean by up to 15 ms + 20%, and must never be below it
// (beyond 1 ms of rounding).
func TestReplayTraceMatchesServerTTFT(t *testing.T) {
	trace := sharedTrace(t)
	schedule, err := FromTrace(trace, TraceOptions{Duration: 40 * time.Second, SpeedUp: 4})
	if err != nil {
		t.Fatal(err)
	}
	base, srv := startSim(t, nil)
	sum, err := Run(context.Background(), Config{BaseURL: base, Model: simModel, MaxConcurrency: 512,
		Logger: slog.New(slog.DiscardHandler)}, schedule)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	var wantPrompt, wantOutput int64
	for _, r := range schedule {
		wantPrompt += int64(r.PromptTokens)
		wantOutput += int64(r.OutputTokens)
	}
	if sum.Requests != len(schedule) || sum.Succeeded != len(schedule) || sum.Failed != 0 {
		t.Fatalf("sent %d, succeeded %d, failed %d (%v); want all %d", sum.Requests, sum.Succeeded, sum.Failed, sum.Errors, len(schedule))
	}
	if int64(st.PromptTokens) != wantPrompt || int64(st.GenerationTokens) != wantOutput || sum.OutputTokens != wantOutput {
		t.Errorf("server saw %d prompt / %d output tokens, client %d output; trace says %d / %d",
			st.PromptTokens, st.GenerationTokens, sum.OutputTokens, wantPrompt, wantOutput)
	}
	server := st.TTFT.Mean()
	client := sum.TTFT.Mean
	t.Logf("%d requests: client TTFT mean %.1f ms p99 %.1f ms; server histogram mean %.1f ms; client ITL mean %.2f ms, server %.2f ms",
		sum.Succeeded, client*1e3, sum.TTFT.P99*1e3, server*1e3, sum.ITL.Mean*1e3, st.ITL.Mean()*1e3)
	if st.TTFT.Count != uint64(len(schedule)) {
		t.Errorf("server TTFT histogram has %d observations, want %d", st.TTFT.Count, len(schedule))
	}
	if client < server-0.001 || client > server+0.015+0.2*server {
		t.Errorf("client TTFT mean %.4fs does not match the server's %.4fs", client, server)
	}
}

func TestRunCountsErrors(t *testing.T) {
	base, _ := startSim(t, func(p *servermodel.Params) { p.MaxModelLen = 1000 })
	schedule := []Request{
		{At: 0, PromptTokens: 100, OutputTokens: 10},
		{At: 0, PromptTokens: 2000, OutputTokens: 10}, // longer than max_model_len: 400
	}
	sum, err := Run(context.Background(), Config{BaseURL: base, Model: simModel, API: Chat, Logger: slog.New(slog.DiscardHandler)}, schedule)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Succeeded != 1 || sum.Failed != 1 || sum.Errors["http_400"] != 1 || sum.OutputTokens != 10 {
		t.Errorf("summary %+v", sum)
	}
	sum, err = Run(context.Background(), Config{BaseURL: base, Model: "other", Logger: slog.New(slog.DiscardHandler)}, schedule[:1])
	if err != nil || sum.Errors["http_404"] != 1 {
		t.Errorf("wrong model: %+v, %v", sum, err)
	}
}

func TestRunRejectsBadURL(t *testing.T) {
	if _, err := Run(context.Background(), Config{BaseURL: "ftp://x"}, nil); err == nil {
		t.Error("ftp URL accepted")
	}
}

// TestRunStoppedMidStreamIsNotAFailure stops a run while a request is streaming: the
// request was cut by the caller, not by the server, so it counts as cancelled and the
// run reports no failure (a caller stopping its load at a moment of its choosing must not
// see the server blamed for the requests still in flight).
func TestRunStoppedMidStreamIsNotAFailure(t *testing.T) {
	base, _ := startSim(t, nil)
	schedule := []Request{
		{At: 0, PromptTokens: 16, OutputTokens: 4},
		{At: 0, PromptTokens: 16, OutputTokens: 100000}, // still streaming when the run stops
	}
	ctx, cancel := context.WithCancel(context.Background())
	streaming := make(chan struct{})
	var once sync.Once
	cfg := Config{BaseURL: base, Model: simModel, Logger: slog.New(slog.DiscardHandler),
		Observe: func(o Observation) {
			if o.Err == "" {
				once.Do(func() { close(streaming) })
			}
		}}
	done := make(chan Summary, 1)
	go func() {
		sum, err := Run(ctx, cfg, schedule)
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	<-streaming // the short request has finished, the long one is mid-stream
	cancel()
	sum := <-done
	if sum.Requests != 2 || sum.Succeeded != 1 || sum.Failed != 0 || sum.Cancelled != 1 || len(sum.Errors) != 0 {
		t.Errorf("run stopped mid-stream: sent %d, succeeded %d, failed %d, cancelled %d, errors %v; want 2 sent, 1 succeeded, 0 failed, 1 cancelled",
			sum.Requests, sum.Succeeded, sum.Failed, sum.Cancelled, sum.Errors)
	}
}
