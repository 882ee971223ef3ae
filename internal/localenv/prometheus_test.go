package localenv_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// metricServer serves one gauge in the text exposition format.
func metricServer(t *testing.T, value string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, "# TYPE demo_value gauge\ndemo_value %s\n", value)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// queryValues returns demo_value by pod label.
func queryValues(ctx context.Context, url string) (map[string]string, error) {
	client, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		return nil, err
	}
	val, _, _, err := promv1.NewAPI(client).Query(ctx, "demo_value", time.Now())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range val.(model.Vector) {
		out[string(s.Metric["pod"])] = s.Value.String()
	}
	return out, nil
}

func TestPrometheusScrapesFileSDTargetsAndFollowsChanges(t *testing.T) {
	ctx := context.Background()
	a, b := metricServer(t, "1"), metricServer(t, "2")
	prom, err := localenv.StartPrometheus(ctx, localenv.PrometheusOptions{
		Dir: t.TempDir(),
		Targets: []localenv.ScrapeTarget{{
			Address: strings.TrimPrefix(a.URL, "http://"), Labels: map[string]string{"namespace": "ns", "pod": "a"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer prom.Stop()
	if !strings.HasPrefix(prom.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s", prom.URL)
	}
	if err := prom.WaitForTargets(ctx, 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		got, err := queryValues(ctx, prom.URL)
		if err != nil || got["a"] != "1" {
			return fmt.Errorf("values %v, err %v", got, err)
		}
		return nil
	})

	// Replace the targets: Prometheus follows the file without a restart.
	if err := prom.SetTargets([]localenv.ScrapeTarget{
		{Address: strings.TrimPrefix(a.URL, "http://"), Labels: map[string]string{"namespace": "ns", "pod": "a"}},
		{Address: strings.TrimPrefix(b.URL, "http://"), Labels: map[string]string{"namespace": "ns", "pod": "b"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := prom.WaitForTargets(ctx, 2); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		got, err := queryValues(ctx, prom.URL)
		if err != nil || got["b"] != "2" {
			return fmt.Errorf("values %v, err %v", got, err)
		}
		return nil
	})
	if err := prom.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	prom.Stop()
	if !prom.Exited() {
		t.Fatal("Prometheus still running after Stop")
	}
}
