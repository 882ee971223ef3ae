package collector

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// goodPage is a complete vLLM page of model m with the given waiting requests.
func goodPage(waiting string) string {
	return `# HELP vllm:kv_cache_usage_perc KV-cache usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25
# HELP vllm:num_requests_waiting Requests waiting.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="m"} ` + waiting + `
# HELP vllm:num_requests_running Requests running.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 3
# HELP vllm:cache_config_info Cache configuration.
# TYPE vllm:cache_config_info gauge
vllm:cache_config_info{block_size="16",engine="0",num_gpu_blocks="1000"} 1
# HELP vllm:request_success_total Successful requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} 7
`
}

// pageServer is a real HTTP endpoint serving whatever page a test sets, optionally
// slowly, on a loopback port.
type pageServer struct {
	addr string
	mu   sync.Mutex
	body func(w io.Writer)
	// perByte, when set, sends the page one byte at a time with this pause.
	perByte time.Duration
}

func startPageServer(t testing.TB, page string) *pageServer {
	t.Helper()
	ps := &pageServer{}
	ps.setPage(page)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps.addr = ln.Addr().String()
	srv := &http.Server{Handler: ps, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ps
}

func (ps *pageServer) setPage(page string) {
	ps.setBody(func(w io.Writer) { _, _ = io.WriteString(w, page) })
}

func (ps *pageServer) setBody(body func(w io.Writer)) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.body = body
}

func (ps *pageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ps.mu.Lock()
	body, perByte := ps.body, ps.perByte
	ps.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	if perByte == 0 {
		body(w)
		return
	}
	var buf bytes.Buffer
	body(&buf)
	flusher, _ := w.(http.Flusher)
	for _, b := range buf.Bytes() {
		if _, err := w.Write([]byte{b}); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(perByte):
		}
	}
}

func (ps *pageServer) pod(name string) Pod {
	_, p, _ := net.SplitHostPort(ps.addr)
	port, _ := strconv.Atoi(p)
	return Pod{Name: name, IP: "127.0.0.1", MetricsPort: port, MetricsPath: DefaultMetricsPath}
}

// repeat writes n copies of line.
func repeat(line string, n int) func(w io.Writer) {
	return func(w io.Writer) {
		b := []byte(line)
		for range n {
			if _, err := w.Write(b); err != nil {
				return
			}
		}
	}
}

// TestPodSourceRefusesBadPagesNamingTheProblem serves hostile and broken metrics pages
// from a real HTTP endpoint: each replica is left out of the analysis with a message
// naming the series or the limit, never read as load, and nothing panics.
func TestPodSourceRefusesBadPagesNamingTheProblem(t *testing.T) {
	good := goodPage("2")
	for _, tc := range []struct {
		name string
		body func(w io.Writer)
		want string // in the variant's message
	}{
		{"NaN", text(strings.Replace(good, "} 2\n", "} NaN\n", 1)), `vllm:num_requests_waiting{engine="0",model_name="m"} is NaN`},
		{"+Inf", text(strings.Replace(good, "} 0.25", "} +Inf", 1)), `vllm:kv_cache_usage_perc{engine="0",model_name="m"} is +Inf`},
		{"-Inf", text(strings.Replace(good, "} 3\n", "} -Inf\n", 1)), `vllm:num_requests_running{engine="0",model_name="m"} is -Inf`},
		{"negative", text(strings.Replace(good, "} 2\n", "} -4\n", 1)), `vllm:num_requests_waiting{engine="0",model_name="m"} is negative (-4)`},
		{"absurd count", text(strings.Replace(good, "} 2\n", "} 1e300\n", 1)), `is 1e+300, beyond any server's request count`},
		{"KV above 1", text(strings.Replace(good, "} 0.25", "} 35", 1)), `vllm:kv_cache_usage_perc{engine="0",model_name="m"} is 35, above 1`},
		{"absurd KV cache", text(strings.Replace(good, `num_gpu_blocks="1000"`, `num_gpu_blocks="9223372036854775807"`, 1)), `beyond any GPU's KV cache`},
		{"negative counter", text(strings.Replace(good, "} 7\n", "} -7\n", 1)), `vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} is negative`},
		{"duplicate series", text(good + `vllm:num_requests_waiting{engine="0",model_name="m"} 2` + "\n"), `series vllm:num_requests_waiting{engine="0",model_name="m"} is exported twice`},
		{"not a metrics page", text("<html>\x00\x01 not metrics</html>\nvllm:num_requests_waiting{model_name=\"m\" 1\n"), `parse the vLLM families of the metrics page`},
		{"50 MB page", func(w io.Writer) {
			_, _ = io.WriteString(w, good)
			repeat("other_family{label=\"padding padding padding padding padding padding\"} 1\n", 50<<20/64)(w)
		}, "larger than the 32 MiB scrape limit"},
		{"5 MB of vLLM series", func(w io.Writer) {
			_, _ = io.WriteString(w, good)
			repeat("vllm:num_requests_waiting{model_name=\"other\",padding=\"padding padding padding\"} 1\n", 5<<20/80)(w)
		}, "the vLLM families take more than the 4 MiB limit"},
		{"a 1 MB line", func(w io.Writer) {
			_, _ = io.WriteString(w, good+`vllm:num_requests_running{model_name="`+strings.Repeat("x", 1<<20)+`"} 1`+"\n")
		}, "a line of the vLLM family vllm:num_requests_running is longer than the 64 KiB line limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startPageServer(t, good)
			models := []Model{{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{srv.pod("p-0")}}}}}
			src := NewPodSource(PodSourceOptions{Windows: Windows{Peak: time.Minute}, Timeout: 10 * time.Second})
			t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			if _, err := replicaOf(mustCollect(t, src, models, t0)[0], "v", "p-0"); err != nil {
				t.Fatalf("the good page first: %v", err)
			}
			// The same replica turns bad: its good scrape of a moment ago no longer counts.
			srv.setBody(tc.body)
			got := mustCollect(t, src, models, t0.Add(5*time.Second))
			h := got[0].Variants[0].Health
			if h.Usable || h.Reason != ReasonMetricsInvalid || h.Invalid != 1 || len(got[0].Variants[0].Replicas) != 0 {
				t.Fatalf("bad page used: health %+v, replicas %+v", h, got[0].Variants[0].Replicas)
			}
			if !strings.Contains(h.Message, "pod p-0: ") || !strings.Contains(h.Message, tc.want) {
				t.Fatalf("message %q does not name the problem %q", h.Message, tc.want)
			}
			if len(h.Message) > 1500 {
				t.Fatalf("message of %d bytes: hostile content is not clipped", len(h.Message))
			}
			if got[0].Health.Usable || !strings.Contains(got[0].Health.Message, tc.want) {
				t.Fatalf("model health %+v does not carry the problem", got[0].Health)
			}
			// Fixed again, the replica is used again at the next scrape.
			srv.setPage(good)
			if _, err := replicaOf(mustCollect(t, src, models, t0.Add(10*time.Second))[0], "v", "p-0"); err != nil {
				t.Fatalf("after the page is fixed: %v", err)
			}
		})
	}
}

func text(page string) func(w io.Writer) {
	return func(w io.Writer) { _, _ = io.WriteString(w, page) }
}

// TestPodSourceReadsPagesWithoutHelpOrType: HELP and TYPE are optional in the text
// format; a page without them is read (untyped gauges and counter) with exact values.
func TestPodSourceReadsPagesWithoutHelpOrType(t *testing.T) {
	var bare []string
	for _, l := range strings.Split(goodPage("2"), "\n") {
		if !strings.HasPrefix(l, "#") {
			bare = append(bare, l)
		}
	}
	srv := startPageServer(t, strings.Join(bare, "\n"))
	models := []Model{{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{srv.pod("p-0")}}}}}
	got := mustCollect(t, NewPodSource(PodSourceOptions{}), models, time.Now())
	r, err := replicaOf(got[0], "v", "p-0")
	if err != nil {
		t.Fatal(err)
	}
	if r.KvCacheUsage != 0.25 || r.Waiting != 2 || r.Running != 3 || r.NumGPUBlocks != 1000 || r.BlockSize != 16 {
		t.Fatalf("values %+v, want kv 0.25, waiting 2, running 3, 1000 blocks of 16", r)
	}
}

// TestPodSourceSlowEndpointTimesOutNamingIt: an endpoint sending one byte a second is
// cut off at the scrape timeout; the replica is not used and the message says the page
// did not arrive in time.
func TestPodSourceSlowEndpointTimesOutNamingIt(t *testing.T) {
	srv := startPageServer(t, goodPage("2"))
	srv.perByte = time.Second
	models := []Model{{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{srv.pod("p-0")}}}}}
	src := NewPodSource(PodSourceOptions{Timeout: 2 * time.Second})
	got := mustCollect(t, src, models, time.Now())
	h := got[0].Variants[0].Health
	if h.Usable || h.Reason != ReasonMetricsMissing || !strings.Contains(h.Message, "pod p-0: the metrics page did not arrive within the 2s scrape timeout") {
		t.Fatalf("slow endpoint: health %+v", h)
	}
}

// BenchmarkScrapeBadPage measures the memory and time one scrape costs for a normal page
// and for hostile ones: the limits bound both (B/op stays near the read buffer for a
// 50 MB page of other families).
func BenchmarkScrapeBadPage(b *testing.B) {
	good := goodPage("2")
	for _, bc := range []struct {
		name string
		body func(w io.Writer)
	}{
		{"normal page", text(good)},
		{"50 MB of other families", func(w io.Writer) {
			_, _ = io.WriteString(w, good)
			repeat("other_family{label=\"padding padding padding padding padding padding\"} 1\n", 50<<20/64)(w)
		}},
		{"5 MB of vLLM series", func(w io.Writer) {
			_, _ = io.WriteString(w, good)
			repeat("vllm:num_requests_waiting{model_name=\"other\",padding=\"padding padding padding\"} 1\n", 5<<20/80)(w)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var page bytes.Buffer
			bc.body(&page)
			b.SetBytes(int64(page.Len()))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = parseScrape(bytes.NewReader(page.Bytes()), "m")
			}
		})
	}
}

// FuzzParseScrape feeds arbitrary pages to the parser: it never panics, and whatever it
// accepts holds only plausible values.
func FuzzParseScrape(f *testing.F) {
	f.Add(goodPage("2"))
	f.Add(goodPage("NaN"))
	f.Add(goodPage("2") + goodPage("2"))
	f.Add("vllm:num_requests_waiting 1\nvllm:num_requests_waiting{model_name=\"m\"} 1e400\n")
	f.Add("# TYPE vllm:request_prompt_tokens histogram\nvllm:request_prompt_tokens_bucket{model_name=\"m\",le=\"+Inf\"} 3\nvllm:request_prompt_tokens_sum{model_name=\"m\"} -1\nvllm:request_prompt_tokens_count{model_name=\"m\"} 3\n")
	f.Add(`{"vllm:kv_cache_usage_perc",model_name="m"} 0.5` + "\n")
	f.Fuzz(func(t *testing.T, page string) {
		sc, err := parseScrape(strings.NewReader(page), "m")
		if err != nil {
			return
		}
		// KV usage is the highest engine's, so within [0, 1]; waiting and running add up
		// plausible per-engine counts, so they are finite and not negative.
		if sc.has.holds(signalKV) && implausible(signalKV, sc.kv) != "" {
			t.Fatalf("accepted KV usage %v from %q", sc.kv, page)
		}
		for sig, v := range map[signal]float64{signalWaiting: sc.waiting, signalRunning: sc.running} {
			if sc.has.holds(sig) && (math.IsNaN(v) || math.IsInf(v, 0) || v < 0) {
				t.Fatalf("accepted %s = %v from %q", signalName(sig), v, page)
			}
		}
		if sc.blocks < 0 || sc.blockSize < 0 {
			t.Fatalf("accepted a negative cache size %d × %d", sc.blocks, sc.blockSize)
		}
		again, err := parseScrape(strings.NewReader(page), "m")
		if err != nil || fmt.Sprint(again) != fmt.Sprint(sc) {
			t.Fatalf("not deterministic: %+v then %+v (%v)", sc, again, err)
		}
	})
}
