package collector

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// loadServer is a model server whose counters grow at a steady, known rate: rate
// requests per second, each with the given TTFT, ITL and lengths (a quarter of prompts
// at most 128 tokens, the rest at most 1024; every output at most 256 tokens; nine in
// ten first tokens within 0.5 s, the rest within 1 s; four in five requests within 25 ms
// per output token, the rest within 50 ms).
type loadServer struct {
	model      string
	rate       float64
	ttft, itl  float64
	prompt     float64 // mean prompt tokens
	output     float64 // output tokens per request
	start      time.Time
	addr       string
	registered *prometheus.Registry
}

func startLoadServer(t testing.TB, model string, rate float64) *loadServer {
	t.Helper()
	s := &loadServer{model: model, rate: rate, ttft: 0.2, itl: 0.025, prompt: 600, output: 150, start: time.Now()}
	s.registered = prometheus.NewPedanticRegistry()
	s.registered.MustRegister(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.registered, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Describe is empty: the collector is unchecked.
func (s *loadServer) Describe(chan<- *prometheus.Desc) {}

// Collect emits counters for the requests finished since start.
func (s *loadServer) Collect(ch chan<- prometheus.Metric) {
	n := uint64(s.rate * time.Since(s.start).Seconds())
	labels, values := []string{"model_name", "engine"}, []string{s.model, "0"}
	desc := func(name string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, name, append(labels, extra...), nil)
	}
	gauge := func(name string, v float64) {
		ch <- prometheus.MustNewConstMetric(desc(name), prometheus.GaugeValue, v, values...)
	}
	gauge("vllm:kv_cache_usage_perc", 0.3)
	gauge("vllm:num_requests_waiting", 0)
	gauge("vllm:num_requests_running", 4)
	ch <- prometheus.MustNewConstMetric(desc("vllm:request_success_total", "finished_reason"), prometheus.CounterValue, float64(n), append(values, "stop")...)
	nf := float64(n)
	ch <- prometheus.MustNewConstHistogram(desc("vllm:time_to_first_token_seconds"), n, nf*s.ttft, map[float64]uint64{0.5: n * 9 / 10, 1: n}, values...)
	ch <- prometheus.MustNewConstHistogram(desc("vllm:request_time_per_output_token_seconds"), n, nf*s.itl, map[float64]uint64{0.025: n * 4 / 5, 0.05: n}, values...)
	tokens := n * uint64(s.output-1)
	ch <- prometheus.MustNewConstHistogram(desc("vllm:inter_token_latency_seconds"), tokens, float64(tokens)*s.itl, map[float64]uint64{1: tokens}, values...)
	ch <- prometheus.MustNewConstHistogram(desc("vllm:request_prompt_tokens"), n, nf*s.prompt, map[float64]uint64{128: n / 4, 1024: n}, values...)
	ch <- prometheus.MustNewConstHistogram(desc("vllm:request_generation_tokens"), n, nf*s.output, map[float64]uint64{128: 0, 256: n}, values...)
}

// checkLoad compares a replica's load with the server's truth: rates within tol, means
// and histogram shapes exactly (up to rounding).
func checkLoad(r ReplicaSignals, s *loadServer, tol float64) error {
	l := r.Load
	if l == nil {
		return fmt.Errorf("replica %s: no load", r.Pod)
	}
	within := func(name string, got, want, tol float64) error {
		if math.Abs(got-want) > tol*want {
			return fmt.Errorf("replica %s: %s %g, want %g (±%.0f%%)", r.Pod, name, got, want, 100*tol)
		}
		return nil
	}
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"success rate", l.SuccessRate, s.rate, tol}, {"first-token rate", l.FirstTokenRate, s.rate, tol},
		{"mean TTFT", l.TTFTMean, s.ttft, 1e-6}, {"mean ITL", l.ITLMean, s.itl, 1e-6},
		{"prompt tokens/s", l.Prompt.SumRate, s.rate * s.prompt, tol}, {"output tokens/s", l.Generation.SumRate, s.rate * s.output, tol},
	} {
		if err := within(c.name, c.got, c.want, c.tol); err != nil {
			return err
		}
	}
	if !l.TTFTKnown || !l.ITLKnown {
		return fmt.Errorf("replica %s: latencies not known: %+v", r.Pod, l)
	}
	if fmt.Sprint(l.Prompt.Bounds) != "[128 1024]" || len(l.Prompt.Rates) != 3 || fmt.Sprint(l.Generation.Bounds) != "[128 256]" {
		return fmt.Errorf("replica %s: histogram bounds %v / %v, want [128 1024] / [128 256]", r.Pod, l.Prompt.Bounds, l.Generation.Bounds)
	}
	if err := within("share of prompts <= 128", l.Prompt.Rates[0]/(l.Prompt.Rates[0]+l.Prompt.Rates[1]), 0.25, 0.1); err != nil {
		return err
	}
	if l.Prompt.Rates[2] > 1e-9 || l.Generation.Rates[0] > 1e-9 {
		return fmt.Errorf("replica %s: empty buckets read as %v / %v", r.Pod, l.Prompt.Rates, l.Generation.Rates)
	}
	for _, h := range []struct {
		name   string
		got    Lengths
		bounds string
		first  float64 // share of the first bucket
	}{{"TTFT", l.TTFTBuckets, "[0.5 1]", 0.9}, {"TPOT", l.TPOTBuckets, "[0.025 0.05]", 0.8}} {
		if fmt.Sprint(h.got.Bounds) != h.bounds || len(h.got.Rates) != 3 {
			return fmt.Errorf("replica %s: %s histogram %+v, want bounds %s", r.Pod, h.name, h.got, h.bounds)
		}
		total := h.got.Rates[0] + h.got.Rates[1] + h.got.Rates[2]
		if err := within(h.name+" total rate", total, s.rate, tol); err != nil {
			return err
		}
		if err := within(h.name+" share of the first bucket", h.got.Rates[0]/total, h.first, 0.05); err != nil {
			return err
		}
		if h.got.Rates[2] > 1e-9 {
			return fmt.Errorf("replica %s: %s +Inf bucket read as %v", r.Pod, h.name, h.got.Rates)
		}
	}
	return nil
}

// TestLoadSignalsFromPrometheusAndPodsAgree reads the HYBRID mode's load signals from a
// real Prometheus scraping exporters whose counters grow at known rates, and from the
// same exporters scraped directly: both must give the exporters' rates, means and
// histogram shapes, and the model's peak rate.
func TestLoadSignalsFromPrometheusAndPodsAgree(t *testing.T) {
	a := startLoadServer(t, "m", 20)
	b := startLoadServer(t, "m", 20)
	other := startLoadServer(t, "other", 50) // never read: another model
	pods := []Pod{
		{Name: "p-0", IP: "127.0.0.1", MetricsPort: portOf(a.addr), MetricsPath: DefaultMetricsPath},
		{Name: "p-1", IP: "127.0.0.1", MetricsPort: portOf(b.addr), MetricsPath: DefaultMetricsPath},
	}
	window := 10 * time.Second
	models := []Model{{Namespace: "ns", ModelID: "m", LoadWindow: window, Variants: []Variant{{Name: "v", Target: "v", Pods: pods}}}}
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: []localenv.ScrapeTarget{
		{Address: a.addr, Labels: map[string]string{"namespace": "ns", "pod": "p-0"}},
		{Address: b.addr, Labels: map[string]string{"namespace": "ns", "pod": "p-1"}},
		{Address: other.addr, Labels: map[string]string{"namespace": "ns", "pod": "p-2"}},
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := prom.WaitForTargets(ctx, 3); err != nil {
		t.Fatal(err)
	}
	podSrc := NewPodSource(PodSourceOptions{Windows: Windows{StaleAfter: 10 * time.Second}})
	mustCollect(t, podSrc, models, time.Now())
	go func() { _ = podSrc.Run(ctx, time.Second) }()
	counter := &queryCounter{}
	promSrc, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL, WrapTransport: counter.wrap}, Windows{StaleAfter: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	servers := map[string]*loadServer{"p-0": a, "p-1": b}
	check := func(src string, got []ModelSignals) error {
		ms := got[0]
		if ms.LoadWindow != window {
			return fmt.Errorf("%s: load window %v, want %v", src, ms.LoadWindow, window)
		}
		if math.Abs(ms.PeakRate-40) > 0.2*40 {
			return fmt.Errorf("%s: peak rate %g, want about 40 (two replicas at 20/s)", src, ms.PeakRate)
		}
		if n := len(ms.Variants[0].Replicas); n != 2 {
			return fmt.Errorf("%s: %d replicas, want 2 (health %+v)", src, n, ms.Variants[0].Health)
		}
		for _, r := range ms.Variants[0].Replicas {
			if err := checkLoad(r, servers[r.Pod], 0.15); err != nil {
				return fmt.Errorf("%s: %w", src, err)
			}
		}
		return nil
	}
	eventually(t, time.Minute, func() error {
		if time.Since(a.start) < window+3*time.Second {
			return fmt.Errorf("exporters up for %v, less than a window", time.Since(a.start))
		}
		now := time.Now()
		fromPods := mustCollect(t, podSrc, models, now)
		before := counter.queries.Load()
		fromProm, err := promSrc.Collect(ctx, models, now)
		if err != nil {
			return err
		}
		if n := counter.queries.Load() - before; n != 20 {
			t.Fatalf("%d queries with a load window, want 20 (9 + 11 for the load)", n)
		}
		return errorsJoin(check("pods", fromPods), check("Prometheus", fromProm))
	})
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	var n int
	_, _ = fmt.Sscan(p, &n)
	return n
}

// errorsJoin returns the first error, so eventually reports one thing at a time.
func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestExtrapolatedRateFollowsPromQL(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s ...float64) []time.Time {
		out := make([]time.Time, len(s))
		for i, x := range s {
			out[i] = t0.Add(time.Duration(x * float64(time.Second)))
		}
		return out
	}
	now, w := t0.Add(10*time.Second), 10*time.Second
	for _, c := range []struct {
		name string
		ts   []time.Time
		vs   []float64
		want float64
	}{
		// Samples every second from 1s to 10s, 10/s: the series covers the window, so
		// the increase is extrapolated to the window start, 1 s before the first sample.
		{"covers the window", at(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), []float64{100, 110, 120, 130, 140, 150, 160, 170, 180, 190}, 90.0 * 10 / 9 / 10},
		// A series starting at zero mid-window is not extrapolated before its zero.
		{"starts at zero", at(6, 7, 8, 9, 10), []float64{0, 10, 20, 30, 40}, 40.0 / 10},
		// A counter reset counts the new value from zero.
		{"reset", at(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), []float64{100, 110, 120, 130, 5, 15, 25, 35, 45, 55}, (30.0 + 5 + 50) * 10 / 9 / 10},
	} {
		got, ok := extrapolatedRate(c.ts, c.vs, now, w)
		if !ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: rate %v (%v), want %v", c.name, got, ok, c.want)
		}
	}
	if _, ok := extrapolatedRate(at(5), []float64{1}, now, w); ok {
		t.Error("one sample gave a rate")
	}
}

func TestLengthsFromCumulativeBuckets(t *testing.T) {
	l := lengthObs{sum: 900, hasSum: true}
	for le, v := range map[float64]float64{128: 1, 1024: 3, 4096: 3, math.Inf(1): 3} {
		l.setBucket(le, v)
	}
	got := l.lengths()
	if fmt.Sprint(got.Bounds, got.Rates, got.SumRate) != "[128 1024 4096] [1 2 0 0] 900" || !got.Known() {
		t.Fatalf("lengths %+v", got)
	}
	delete(l.cum, math.Inf(1))
	if l.lengths().Known() {
		t.Fatal("a histogram without its +Inf bucket was read")
	}
}
