package collector

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serverValues are the exact values a fake model server exports.
type serverValues struct {
	KV, Waiting, Running      float64
	Blocks, BlockSize         int64
	PromptSum, GenSum         float64
	Requests                  uint64 // count of both token histograms
	Success                   float64
	TTFT, ITL                 float64 // seconds per request; the latency histograms grow by one request per scrape
	OldNames                  bool    // export the older names (gpu_cache_usage_perc, time_per_output_token_seconds)
	CacheInfoWithoutModelName bool
	NoSuccessCounter          bool // export no vllm:request_success_total at all
}

// fakeServer is a fixed-value vLLM metrics endpoint for exact assertions: a private
// registry with one collector emitting vLLM's names and labels from settable values.
type fakeServer struct {
	model string
	addr  string
	srv   *http.Server

	mu      sync.Mutex
	v       serverValues
	scrapes uint64
}

// startFakeServer serves a model's metrics on a free loopback port until the test ends.
func startFakeServer(t testing.TB, model string, v serverValues) *fakeServer {
	t.Helper()
	f := &fakeServer{model: model, v: v}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(f)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	t.Cleanup(f.stop)
	return f
}

// stop ends the server; its address refuses connections from then on.
func (f *fakeServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = f.srv.Close()
	}
}

func (f *fakeServer) set(v serverValues) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.v = v
}

func (f *fakeServer) port() int {
	_, p, _ := net.SplitHostPort(f.addr)
	n, _ := strconv.Atoi(p)
	return n
}

var _ prometheus.Collector = (*fakeServer)(nil)

// Describe is empty: the collector is unchecked, since its series vary with the values.
func (f *fakeServer) Describe(chan<- *prometheus.Desc) {}

// Collect emits the current values under vLLM's names.
func (f *fakeServer) Collect(ch chan<- prometheus.Metric) {
	f.mu.Lock()
	v := f.v
	f.scrapes++
	n := f.scrapes
	f.mu.Unlock()
	labels := []string{"model_name", "engine"}
	values := []string{f.model, "0"}
	gauge := func(name string, x float64) {
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, name, labels, nil), prometheus.GaugeValue, x, values...)
	}
	if v.OldNames {
		gauge("vllm:gpu_cache_usage_perc", v.KV)
	} else {
		gauge("vllm:kv_cache_usage_perc", v.KV)
	}
	gauge("vllm:num_requests_waiting", v.Waiting)
	gauge("vllm:num_requests_running", v.Running)
	infoLabels, infoValues := []string{"model_name", "block_size", "num_gpu_blocks"}, []string{f.model}
	if v.CacheInfoWithoutModelName {
		infoLabels, infoValues = infoLabels[1:], nil
	}
	infoValues = append(infoValues, strconv.FormatInt(v.BlockSize, 10), strconv.FormatInt(v.Blocks, 10))
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("vllm:cache_config_info", "info", infoLabels, nil), prometheus.GaugeValue, 1, infoValues...)
	hist := func(name string, sum float64) {
		ch <- prometheus.MustNewConstHistogram(prometheus.NewDesc(name, name, labels, nil), v.Requests, sum, map[float64]uint64{1024: v.Requests}, values...)
	}
	latency := func(name string, perRequest float64) {
		ch <- prometheus.MustNewConstHistogram(prometheus.NewDesc(name, name, labels, nil), n, float64(n)*perRequest, map[float64]uint64{10: n}, values...)
	}
	latency("vllm:time_to_first_token_seconds", v.TTFT)
	if v.OldNames {
		latency("vllm:time_per_output_token_seconds", v.ITL)
	} else {
		latency("vllm:inter_token_latency_seconds", v.ITL)
	}
	hist("vllm:request_prompt_tokens", v.PromptSum)
	hist("vllm:request_generation_tokens", v.GenSum)
	if !v.NoSuccessCounter {
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("vllm:request_success_total", "success", append(labels, "finished_reason"), nil),
			prometheus.CounterValue, v.Success, append(values, "stop")...)
	}
}
