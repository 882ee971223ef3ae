package gateway

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
	"github.com/workload-variant-autoscaler/wva/internal/vllmsim"
)

// Streamed completions from a simulated vLLM pass through the gateway intact: the load
// generator, which checks every chunk and the final usage, sees every request succeed.
func TestGatewayStreamsCompletionsThrough(t *testing.T) {
	prof, err := servermodel.LoadProfile("llama-3.1-8b-h100-80gb")
	if err != nil {
		t.Fatal(err)
	}
	params, err := prof.Params()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := vllmsim.New(vllmsim.Config{Model: "m", Params: params, TimeScale: 5, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = srv.Serve(ctx, ln) }()
	pod := modelPod("a", int32(ln.Addr().(*net.TCPAddr).Port), true)
	pod.Spec.Containers[0].Args = []string{"--model", "m"}
	g, err := New(Options{Client: fake.NewClientset(pod), Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = g.Run(ctx) }()
	front := httptest.NewServer(g.Handler())
	t.Cleanup(front.Close)
	waitFor(t, "replica known", func() bool { return len(g.Routed()) == 1 })

	schedule, err := loadgen.Synthetic(loadgen.Pattern{Kind: loadgen.Constant, Rate: 10, Duration: time.Second, PromptTokens: 500, OutputTokens: 20})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := loadgen.Run(ctx, loadgen.Config{BaseURL: front.URL, Model: "m", Logger: slog.New(slog.DiscardHandler)}, schedule)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.Succeeded != len(schedule) {
		t.Fatalf("%d of %d succeeded, errors %v", sum.Succeeded, len(schedule), sum.Errors)
	}
	if got := g.Answered()["ns/a"]; got != int64(len(schedule)) {
		t.Errorf("answered %d, want %d", got, len(schedule))
	}
}
