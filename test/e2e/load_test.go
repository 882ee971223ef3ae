package e2e

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/gateway"
	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// Request shape of the scenarios' load: long prompts and short answers, so KV cache
// fills with few streamed tokens (see timeScale).
const (
	promptTokens = 4000
	outputTokens = 200
)

// startGateway runs a gateway for the namespace's model servers and returns its URL and
// the gateway (for per-replica counts).
func startGateway(t *testing.T, ns string) (string, *gateway.Gateway) {
	t.Helper()
	return startGatewayWith(t, ns, gateway.Options{QueueTimeout: 2 * time.Minute})
}

// startGatewayWith starts a gateway for the namespace with the given queue settings; the
// cluster Prometheus scrapes its queue, labelled with the namespace, until the test ends.
func startGatewayWith(t *testing.T, ns string, o gateway.Options) (string, *gateway.Gateway) {
	t.Helper()
	f, err := os.Create(filepath.Join(s.logDir, "gateway-"+ns+".log"))
	if err != nil {
		t.Fatal(err)
	}
	o.Client, o.Namespace, o.Logger = s.cs, ns, slog.New(slog.NewJSONHandler(f, nil))
	g, err := gateway.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = g.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; _ = f.Close() })
	s.mu.Lock()
	s.gateways[ns] = localenv.ScrapeTarget{Address: ln.Addr().String(), Labels: map[string]string{"namespace": ns}}
	s.mu.Unlock()
	if err := s.setGateways(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.mu.Lock()
		delete(s.gateways, ns)
		s.mu.Unlock()
		_ = s.setGateways()
	})
	return "http://" + ln.Addr().String(), g
}

// load is a running load generator; stop ends it and waits for the summary.
type load struct {
	cancel context.CancelFunc
	done   chan loadgen.Summary
}

// startLoad sends a Poisson stream of rate requests per second of the scenario's shape
// through the gateway, until stopped (or an hour passes).
func startLoad(t *testing.T, url string, rate float64) *load {
	t.Helper()
	return startPattern(t, url, loadgen.Pattern{Kind: loadgen.Poisson, Rate: rate, Duration: time.Hour,
		PromptTokens: promptTokens, OutputTokens: outputTokens, Seed: 7})
}

// startPattern sends the requests of a synthetic pattern through the gateway, until
// stopped or the pattern ends.
func startPattern(t *testing.T, url string, p loadgen.Pattern) *load {
	t.Helper()
	schedule, err := loadgen.Synthetic(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel, done: make(chan loadgen.Summary, 1)}
	go func() {
		sum, _ := loadgen.Run(ctx, loadgen.Config{BaseURL: url, Model: model, MaxConcurrency: 200,
			Logger: slog.New(slog.DiscardHandler)}, schedule)
		l.done <- sum
	}()
	t.Cleanup(func() { l.stop() })
	return l
}

// stop ends the load and returns its summary (once; later calls return an empty one).
func (l *load) stop() loadgen.Summary {
	l.cancel()
	select {
	case s := <-l.done:
		return s
	case <-time.After(30 * time.Second):
		return loadgen.Summary{}
	}
}
