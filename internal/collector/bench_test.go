package collector

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// Scale of the benchmark: 1,000 models of 5 replicas (two variants, 3 + 2 Pods) in 10
// namespaces, i.e. 5,000 replicas and about 75,000 series in Prometheus.
const (
	benchNamespaces     = 10
	benchModelsPerNS    = 100
	benchPodsPerVariant = 3 // the second variant has one fewer
)

// benchExposition renders, once, the vLLM series of every Pod of one namespace with
// namespace and pod labels in the series themselves (scraped with honor_labels, as a
// federation or a push gateway would deliver them).
func benchExposition(ns string, models []Model) []byte {
	var b bytes.Buffer
	type series struct{ name, typ string }
	families := []series{
		{"vllm:kv_cache_usage_perc", "gauge"}, {"vllm:num_requests_waiting", "gauge"},
		{"vllm:num_requests_running", "gauge"}, {"vllm:cache_config_info", "gauge"},
		{"vllm:request_prompt_tokens", "histogram"}, {"vllm:request_generation_tokens", "histogram"},
		{"vllm:request_success_total", "counter"},
	}
	for _, fam := range families {
		fmt.Fprintf(&b, "# TYPE %s %s\n", fam.name, fam.typ)
		i := 0
		for _, m := range models {
			for _, v := range m.Variants {
				for _, p := range v.Pods {
					i++
					l := fmt.Sprintf(`namespace=%q,pod=%q,model_name=%q,engine="0"`, ns, p.Name, m.ModelID)
					switch fam.typ {
					case "gauge":
						val := fmt.Sprintf("%g", float64(i%100)/100)
						if fam.name == "vllm:cache_config_info" {
							l += `,block_size="16",num_gpu_blocks="8192"`
							val = "1"
						}
						fmt.Fprintf(&b, "%s{%s} %s\n", fam.name, l, val)
					case "histogram":
						fmt.Fprintf(&b, "%s_bucket{%s,le=\"1024\"} 10\n%s_bucket{%s,le=\"+Inf\"} 10\n%s_sum{%s} %d\n%s_count{%s} 10\n",
							fam.name, l, fam.name, l, fam.name, l, 100*(i%7+1), fam.name, l)
					default:
						fmt.Fprintf(&b, "%s{%s,finished_reason=\"stop\"} %d\n", fam.name, l, i)
					}
				}
			}
		}
	}
	return b.Bytes()
}

// benchModels builds the request: pod names are unique per namespace.
func benchModels() map[string][]Model {
	out := map[string][]Model{}
	for n := range benchNamespaces {
		ns := fmt.Sprintf("bench-%d", n)
		for i := range benchModelsPerNS {
			m := Model{Namespace: ns, ModelID: fmt.Sprintf("org/model-%04d", n*benchModelsPerNS+i), SuccessWindow: 10 * time.Minute}
			for v, size := range []int{benchPodsPerVariant, benchPodsPerVariant - 1} {
				variant := Variant{Name: fmt.Sprintf("m%04d-v%d", i, v), Target: fmt.Sprintf("m%04d-v%d", i, v)}
				for p := range size {
					variant.Pods = append(variant.Pods, Pod{Name: fmt.Sprintf("m%04d-v%d-%d", i, v, p)})
				}
				m.Variants = append(m.Variants, variant)
			}
			out[ns] = append(out[ns], m)
		}
	}
	return out
}

// serveStatic serves body on /metrics on a free loopback port until the benchmark ends.
func serveStatic(b *testing.B, body []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// BenchmarkPrometheusCollectCycle measures one collection cycle (all queries, parsing
// and assembly) for 1,000 models / 5,000 replicas against a real Prometheus.
func BenchmarkPrometheusCollectCycle(b *testing.B) {
	byNS := benchModels()
	var models []Model
	var targets []localenv.ScrapeTarget
	for n := range benchNamespaces {
		ns := fmt.Sprintf("bench-%d", n)
		models = append(models, byNS[ns]...)
		targets = append(targets, localenv.ScrapeTarget{Address: serveStatic(b, benchExposition(ns, byNS[ns]))})
	}
	prom := startPrometheus(b, localenv.PrometheusOptions{Targets: targets, HonorLabels: true, ScrapeInterval: 5 * time.Second})
	counter := &queryCounter{}
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL, WrapTransport: counter.wrap, Timeout: 30 * time.Second},
		Windows{StaleAfter: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	eventually(b, 3*time.Minute, func() error {
		got, err := src.Collect(ctx, models, time.Now())
		if err != nil {
			return err
		}
		reported, known := 0, 0
		for _, ms := range got {
			reported += ms.Health.Reported
			if ms.SuccessWindow > 0 {
				known++
			}
		}
		if reported != 5000 || known != len(models) {
			return fmt.Errorf("%d of 5000 replicas reported, %d of %d models with success counts", reported, known, len(models))
		}
		return nil
	})
	before := counter.queries.Load()
	b.ResetTimer()
	cycles := 0
	for b.Loop() {
		if _, err := src.Collect(ctx, models, time.Now()); err != nil {
			b.Fatal(err)
		}
		cycles++
	}
	b.ReportMetric(float64(counter.queries.Load()-before)/float64(cycles), "queries/cycle")
	b.ReportMetric(float64(len(models)), "models")
	b.ReportMetric(5000, "replicas")
}
