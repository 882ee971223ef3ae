package integration

import (
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// exporter serves vLLM-format series for any pods the test names, with values the test
// sets, so Prometheus scrapes exactly the load a scenario needs.
type exporter struct {
	addr                     string
	kv, waiting, running     *prometheus.GaugeVec
	cacheInfo                *prometheus.GaugeVec
	success, prompt, genToks *prometheus.CounterVec
}

var podLabels = []string{"namespace", "pod", "model_name"}

// startExporterAt serves the exporter on a free loopback port for the whole suite.
func startExporterAt() *exporter {
	reg := prometheus.NewRegistry()
	e := &exporter{
		kv:        prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vllm:kv_cache_usage_perc"}, podLabels),
		waiting:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vllm:num_requests_waiting"}, podLabels),
		running:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vllm:num_requests_running"}, podLabels),
		cacheInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vllm:cache_config_info"}, append(podLabels, "num_gpu_blocks", "block_size")),
		success:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vllm:request_success_total"}, podLabels),
		prompt:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vllm:prompt_tokens_total"}, podLabels),
		genToks:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vllm:generation_tokens_total"}, podLabels),
	}
	reg.MustRegister(e.kv, e.waiting, e.running, e.cacheInfo, e.success, e.prompt, e.genToks)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.addr = ln.Addr().String()
	return e
}

// set publishes one pod's load: KV-cache usage and waiting requests.
func (e *exporter) set(ns, pod, model string, kv, waiting float64) {
	lv := []string{ns, pod, model}
	e.kv.WithLabelValues(lv...).Set(kv)
	e.waiting.WithLabelValues(lv...).Set(waiting)
	e.running.WithLabelValues(lv...).Set(4)
	e.cacheInfo.WithLabelValues(ns, pod, model, "27508", "16").Set(1)
	e.success.WithLabelValues(lv...).Add(1)
	e.prompt.WithLabelValues(lv...).Add(1000)
	e.genToks.WithLabelValues(lv...).Add(200)
}

// remove stops publishing one pod's series, as a model server that stopped reporting.
func (e *exporter) remove(ns, pod, model string) {
	lv := []string{ns, pod, model}
	for _, g := range []*prometheus.GaugeVec{e.kv, e.waiting, e.running} {
		g.DeleteLabelValues(lv...)
	}
	e.cacheInfo.DeleteLabelValues(ns, pod, model, "27508", "16")
	for _, c := range []*prometheus.CounterVec{e.success, e.prompt, e.genToks} {
		c.DeleteLabelValues(lv...)
	}
}

// forget stops publishing every series of one namespace, as when its pods are gone.
func (e *exporter) forget(ns string) {
	match := prometheus.Labels{"namespace": ns}
	for _, g := range []*prometheus.GaugeVec{e.kv, e.waiting, e.running, e.cacheInfo} {
		g.DeletePartialMatch(match)
	}
	for _, c := range []*prometheus.CounterVec{e.success, e.prompt, e.genToks} {
		c.DeletePartialMatch(match)
	}
}

// forgetPods stops publishing the series of the named pods of one namespace.
func (e *exporter) forgetPods(ns string, pods []string) {
	for _, p := range pods {
		match := prometheus.Labels{"namespace": ns, "pod": p}
		for _, g := range []*prometheus.GaugeVec{e.kv, e.waiting, e.running, e.cacheInfo} {
			g.DeletePartialMatch(match)
		}
		for _, c := range []*prometheus.CounterVec{e.success, e.prompt, e.genToks} {
			c.DeletePartialMatch(match)
		}
	}
}
