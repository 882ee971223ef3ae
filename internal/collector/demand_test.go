package collector

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// Which queue series count for which model: the model's own name in its namespace (or
// with no namespace label), and, when the model's InferencePools are known, only their
// pools' series (a series without a pool label still counts).
func TestMatchDemand(t *testing.T) {
	series := []queueSeries{
		{namespace: "ns1", pool: "pool-a", model: "m", value: 3},
		{namespace: "ns1", pool: "pool-b", model: "m", value: 4},
		{namespace: "ns1", pool: "", model: "m", value: 1},
		{namespace: "", pool: "pool-a", model: "m", value: 2},
		{namespace: "ns2", pool: "pool-a", model: "m", value: 100},
		{namespace: "ns1", pool: "pool-a", model: "other", value: 50},
		{namespace: "ns1", pool: "pool-a", model: "m", value: -1},
	}
	for _, tc := range []struct {
		name  string
		scope DemandScope
		want  Demand
	}{
		{"pool known", DemandScope{Namespace: "ns1", ModelID: "m", Pools: []string{"pool-a"}}, Demand{Known: true, Requests: 3 + 1 + 2}},
		{"two pools", DemandScope{Namespace: "ns1", ModelID: "m", Pools: []string{"pool-a", "pool-b"}}, Demand{Known: true, Requests: 3 + 4 + 1 + 2}},
		{"no pool known", DemandScope{Namespace: "ns1", ModelID: "m"}, Demand{Known: true, Requests: 3 + 4 + 1 + 2}},
		{"other namespace", DemandScope{Namespace: "ns2", ModelID: "m"}, Demand{Known: true, Requests: 100 + 2}},
		{"unknown model", DemandScope{Namespace: "ns1", ModelID: "nobody"}, Demand{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := matchDemand([]DemandScope{tc.scope}, series)[0]; got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The demand query escapes model IDs and reads the newer metric name first.
func TestDemandQuery(t *testing.T) {
	q := demandQuery([]string{`a"b`, "meta/llama-3.1-8b", "meta/llama-3.1-8b"})
	for _, want := range []string{
		`llm_d_epp_flow_control_queue_size{target_model_name=~"a\"b|meta/llama-3\\.1-8b"}`,
		`) or sum by (namespace, inference_pool, target_model_name) (inference_extension_flow_control_queue_size{`,
	} {
		if !strings.Contains(q, want) {
			t.Errorf("query %s\nlacks %s", q, want)
		}
	}
}

// queueExporter serves fixed queue series the way an endpoint picker does, optionally
// behind a bearer token.
type queueExporter struct {
	addr string
	srv  *http.Server
}

func startQueueExporter(t *testing.T, token string, set func(old, newer *prometheus.GaugeVec)) *queueExporter {
	t.Helper()
	reg := prometheus.NewRegistry()
	labels := []string{labelTargetModel, labelPool}
	old := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: QueueMetric, Help: "queue"}, labels)
	newer := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: QueueMetricEPP, Help: "queue"}, labels)
	reg.MustRegister(old, newer)
	set(old, newer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized: got "+r.Header.Get("Authorization"), http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	})
	e := &queueExporter{addr: ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}}
	go func() { _ = e.srv.Serve(ln) }()
	t.Cleanup(func() { _ = e.srv.Close() })
	return e
}

// The queue read through a real Prometheus and by scraping the gateway directly gives the
// same demand per model; pools decide which queues belong to a model; a failed read says
// so instead of answering zero.
func TestDemandThroughPrometheusAndGateway(t *testing.T) {
	// Gateway of namespace ns1: two pools serve a model named m; the newer name is exported
	// too for pool-a (with the same value) and must not be counted twice.
	gw1 := startQueueExporter(t, "tok", func(old, newer *prometheus.GaugeVec) {
		old.WithLabelValues("m", "pool-a").Set(3)
		newer.WithLabelValues("m", "pool-a").Set(3)
		old.WithLabelValues("m", "pool-b").Set(4)
		old.WithLabelValues("other", "pool-a").Set(9)
	})
	// Gateway of namespace ns2 exports only the newer name, with no pool label.
	gw2 := startQueueExporter(t, "", func(_, newer *prometheus.GaugeVec) {
		newer.WithLabelValues("m", "").Set(5)
	})
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: []localenv.ScrapeTarget{
		{Address: gw2.addr, Labels: map[string]string{"namespace": "ns2"}},
	}})
	// Prometheus scrapes the first gateway without its token: give it a target that adds it.
	proxy := startQueueProxy(t, gw1.addr, "tok")
	if err := prom.SetTargets([]localenv.ScrapeTarget{
		{Address: gw2.addr, Labels: map[string]string{"namespace": "ns2"}},
		{Address: proxy, Labels: map[string]string{"namespace": "ns1"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := prom.WaitForTargets(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	scopes := []DemandScope{
		{Namespace: "ns1", ModelID: "m", Pools: []string{"pool-a"}},
		{Namespace: "ns1", ModelID: "m"},
		{Namespace: "ns2", ModelID: "m"},
		{Namespace: "ns3", ModelID: "m"},
	}
	want := []Demand{{Known: true, Requests: 3}, {Known: true, Requests: 7}, {Known: true, Requests: 5}, {}}
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL, Timeout: 5 * time.Second}, Windows{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eventually(t, time.Minute, func() error {
		got, err := src.Demand(ctx, scopes, time.Now())
		if err != nil {
			return err
		}
		return sameDemand(got, want)
	})

	t.Run("in the cycle's batch", func(t *testing.T) {
		got, err := src.Collect(ctx, []Model{
			{Namespace: "ns1", ModelID: "m", Demand: true, Pools: []string{"pool-a"}},
			{Namespace: "ns2", ModelID: "m", Demand: true},
			{Namespace: "ns3", ModelID: "m"},
		}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := sameDemand([]Demand{got[0].Demand, got[1].Demand, got[2].Demand}, []Demand{{Known: true, Requests: 3}, {Known: true, Requests: 5}, {}}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("scraping the gateway directly, token given with its scheme", func(t *testing.T) {
		direct, err := NewGatewaySource(GatewayOptions{URL: "http://" + gw1.addr + "/metrics", BearerToken: "Bearer tok"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := direct.Demand(ctx, scopes[:2], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := sameDemand(got, want[:2]); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a failed read is a failure, not zero", func(t *testing.T) {
		direct, err := NewGatewaySource(GatewayOptions{URL: "http://" + gw1.addr + "/metrics"}) // no token: 401
		if err != nil {
			t.Fatal(err)
		}
		got, err := direct.Demand(ctx, scopes[:1], time.Now())
		if err == nil || got[0].Failure == "" || got[0].Known || !strings.Contains(got[0].Failure, "401") {
			t.Fatalf("got %+v, %v; want a failure naming status 401", got, err)
		}
		prom.Stop()
		got, err = src.Demand(ctx, scopes[:1], time.Now())
		if err == nil || got[0].Failure == "" || got[0].Known {
			t.Fatalf("with Prometheus stopped: got %+v, %v; want a failure", got, err)
		}
	})
}

// startQueueProxy forwards scrapes to addr with the bearer token, as Prometheus's own
// authorization setting would.
func startQueueProxy(t *testing.T, addr, token string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://"+addr+r.URL.Path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 32<<10)
		for {
			n, rerr := resp.Body.Read(buf)
			_, _ = w.Write(buf[:n])
			if rerr != nil {
				return
			}
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func sameDemand(got, want []Demand) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d answers, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("answer %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	return nil
}
