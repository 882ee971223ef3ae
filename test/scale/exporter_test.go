package scale

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// load is what one synthetic replica reports.
type load struct {
	kv, waiting float64
}

// podSeries names one Pod's series.
type podSeries struct {
	namespace, pod, model string
}

// synthExporter serves vLLM-format series for every Pod of the fleet from one endpoint,
// labelled with the Pod's namespace, name and model as Kubernetes service discovery would
// label them (Prometheus scrapes it with honor_labels). The body is rendered once per
// change, so a scrape of tens of thousands of series costs a copy.
type synthExporter struct {
	addr string

	mu    sync.Mutex
	pods  map[podSeries]load
	body  []byte
	dirty bool
	srv   *http.Server
}

func startSynthExporter() (*synthExporter, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e := &synthExporter{addr: ln.Addr().String(), pods: map[podSeries]load{}, dirty: true}
	e.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write(e.render())
	})}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

func (e *synthExporter) close() { _ = e.srv.Close() }

// set publishes one Pod's load.
func (e *synthExporter) set(p podSeries, l load) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pods[p] = l
	e.dirty = true
}

// render is the exposition text of every Pod, sorted so that it is stable.
func (e *synthExporter) render() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.dirty {
		return e.body
	}
	keys := make([]podSeries, 0, len(e.pods))
	for p := range e.pods {
		keys = append(keys, p)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].pod < keys[j].pod })
	var b strings.Builder
	metric := func(name, typ string, value func(podSeries, load) string, extra string) {
		fmt.Fprintf(&b, "# TYPE %s %s\n", name, typ)
		for _, p := range keys {
			fmt.Fprintf(&b, "%s{namespace=%q,pod=%q,model_name=%q%s} %s\n", name, p.namespace, p.pod, p.model, extra, value(p, e.pods[p]))
		}
	}
	metric("vllm:kv_cache_usage_perc", "gauge", func(_ podSeries, l load) string { return fmt.Sprint(l.kv) }, "")
	metric("vllm:num_requests_waiting", "gauge", func(_ podSeries, l load) string { return fmt.Sprint(l.waiting) }, "")
	metric("vllm:num_requests_running", "gauge", func(podSeries, load) string { return "4" }, "")
	metric("vllm:cache_config_info", "gauge", func(podSeries, load) string { return "1" }, `,num_gpu_blocks="27508",block_size="16"`)
	metric("vllm:request_success_total", "counter", func(podSeries, load) string { return "100" }, "")
	metric("vllm:prompt_tokens_total", "counter", func(podSeries, load) string { return "100000" }, "")
	metric("vllm:generation_tokens_total", "counter", func(podSeries, load) string { return "20000" }, "")
	e.body, e.dirty = []byte(b.String()), false
	return e.body
}
