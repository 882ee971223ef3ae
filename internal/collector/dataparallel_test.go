package collector

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// serveFile is a real HTTP exporter of a fixed metrics page, on a free loopback port.
func serveFile(t *testing.T, path string) (addr string, port int) {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(page)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), ln.Addr().(*net.TCPAddr).Port
}

// A vLLM Pod running two data-parallel engines exports each series once per engine
// (testdata/vllm-data-parallel-2-engines.txt, in vLLM's format). Both sources read the
// Pod as one replica, with the same numbers: running 5+3 and waiting 2+4 requests add up,
// KV-cache usage is the fuller engine's (0.61), the KV-cache capacity is both engines'
// (2 × 27000 blocks of 16 tokens) although vllm:cache_config_info has no model_name, and
// token averages are over both engines' requests.
func TestDataParallelPodReadTheSameByBothSources(t *testing.T) {
	addr, port := serveFile(t, "testdata/vllm-data-parallel-2-engines.txt")
	const modelID = "meta-llama/Llama-3.1-8B-Instruct"
	models := []Model{{Namespace: "ns", ModelID: modelID, SuccessWindow: 15 * time.Second, Variants: []Variant{{Name: "llama-dp",
		Pods: []Pod{{Name: "llama-dp-0", IP: "127.0.0.1", MetricsPort: port, MetricsPath: DefaultMetricsPath}}}}}}
	want := ReplicaSignals{
		Pod: "llama-dp-0", KvCacheUsage: 0.61, Waiting: 6, Running: 8,
		NumGPUBlocks: 54000, BlockSize: 16,
		AvgInputTokens: (240000.0 + 150000) / 200, AvgOutputTokens: (30000.0 + 24000) / 200,
		SuccessCount: 0, SuccessKnown: true, // the page is static: no request finishes in the window
	}
	check := func(source string, got []ModelSignals) error {
		r, err := replicaOf(got[0], "llama-dp", "llama-dp-0")
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		if err := sameValues(r, want); err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		return nil
	}

	pods := NewPodSource(PodSourceOptions{Windows: Windows{StaleAfter: 10 * time.Second}})
	ctx := context.Background()
	t0 := time.Now()
	if _, err := pods.Collect(ctx, models, t0); err != nil {
		t.Fatal(err)
	}
	fromPods, err := pods.Collect(ctx, models, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := check("pod scraper", fromPods); err != nil {
		t.Error(err)
	}

	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: []localenv.ScrapeTarget{
		{Address: addr, Labels: map[string]string{"namespace": "ns", "pod": "llama-dp-0"}}}})
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL}, Windows{StaleAfter: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error { // until Prometheus holds two scrapes
		got, err := src.Collect(ctx, models, time.Now())
		if err != nil {
			return err
		}
		return check("Prometheus", got)
	})
}
