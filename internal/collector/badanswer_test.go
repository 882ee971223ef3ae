package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// TestPrometheusSourceRefusesImpossibleValues: a real Prometheus scrapes real endpoints
// exporting NaN, +Inf, a negative count and an absurd count; it stores and answers them
// as they are. Each such replica is left out with a message naming the signal and the
// value; a Pod Prometheus holds no series of (an empty answer) is MetricsMissing; the good
// replica next to them is read exactly.
func TestPrometheusSourceRefusesImpossibleValues(t *testing.T) {
	good := goodPage("2")
	pages := map[string]string{
		"good":     good,
		"nan":      strings.Replace(good, "} 2\n", "} NaN\n", 1),
		"inf":      strings.Replace(good, "} 0.25", "} +Inf", 1),
		"negative": strings.Replace(good, "} 3\n", "} -3\n", 1),
		"absurd":   strings.Replace(good, "} 3\n", "} 1e300\n", 1),
	}
	want := map[string]string{
		"nan":      "pod p-nan: vllm:num_requests_waiting is NaN",
		"inf":      "pod p-inf: vllm:kv_cache_usage_perc is +Inf",
		"negative": "pod p-negative: vllm:num_requests_running is negative (-3)",
		"absurd":   "pod p-absurd: vllm:num_requests_running is 1e+300, beyond any server's request count",
	}
	var targets []localenv.ScrapeTarget
	m := Model{Namespace: "ns", ModelID: "m"}
	for name, page := range pages {
		srv := startPageServer(t, page)
		targets = append(targets, localenv.ScrapeTarget{Address: srv.addr, Labels: map[string]string{"namespace": "ns", "pod": "p-" + name}})
		m.Variants = append(m.Variants, Variant{Name: name, Pods: []Pod{{Name: "p-" + name}}})
	}
	m.Variants = append(m.Variants, Variant{Name: "unscraped", Pods: []Pod{{Name: "p-unscraped"}}})
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: targets})
	if err := prom.WaitForTargets(context.Background(), len(targets)); err != nil {
		t.Fatal(err)
	}
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL}, Windows{StaleAfter: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		got, err := src.Collect(context.Background(), []Model{m}, time.Now())
		if err != nil {
			return err
		}
		for _, v := range got[0].Variants {
			h := v.Health
			switch v.Name {
			case "good":
				r, err := replicaOf(got[0], "good", "p-good")
				if err != nil {
					return err
				}
				if r.KvCacheUsage != 0.25 || r.Waiting != 2 || r.Running != 3 {
					return fmt.Errorf("good replica read as %+v", r)
				}
			case "unscraped":
				if h.Usable || h.Reason != ReasonMetricsMissing {
					return fmt.Errorf("no series: health %+v, want MetricsMissing", h)
				}
			default:
				if h.Usable || h.Reason != ReasonMetricsInvalid || len(v.Replicas) != 0 || !strings.Contains(h.Message, want[v.Name]) {
					return fmt.Errorf("variant %s: health %+v, want MetricsInvalid naming %q", v.Name, h, want[v.Name])
				}
			}
		}
		if !got[0].Health.Usable {
			return fmt.Errorf("model unusable although one replica is good: %+v", got[0].Health)
		}
		return nil
	})
}

// fakePrometheus answers every instant query with the body answer returns for it: for
// answers a real Prometheus never gives (duplicate series, oversized or malformed
// answers), which a proxy, a federation layer or a broken build might.
func fakePrometheus(t testing.TB, answer func(query string) string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer(r.Form.Get("query")))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// vectorAnswer is a successful instant-query answer holding the given series.
func vectorAnswer(series ...string) string {
	return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(series, ",") + `]}}`
}

// sample is one series of a vector answer at now.
func sample(pod string, value string, now time.Time) string {
	return fmt.Sprintf(`{"metric":{"namespace":"ns","model_name":"m","pod":%q},"value":[%d.%03d,%q]}`, pod, now.Unix(), now.Nanosecond()/1e6, value)
}

// saturationAnswer answers the peak and timestamp queries for the pods, with dup's
// waiting requests answered twice.
func saturationAnswer(now time.Time, dup string, pods ...string) func(string) string {
	return func(q string) string {
		var series []string
		for _, p := range pods {
			switch {
			case strings.Contains(q, "timestamp(vllm:num_requests_running") && !strings.Contains(q, "min_over_time"):
				series = append(series, sample(p, fmt.Sprintf("%d.%03d", now.Unix(), now.Nanosecond()/1e6), now))
			case strings.Contains(q, "kv_cache_usage_perc"):
				series = append(series, sample(p, "0.5", now))
			case strings.Contains(q, "num_requests_waiting"):
				series = append(series, sample(p, "1", now))
				if p == dup {
					series = append(series, sample(p, "7", now))
				}
			case strings.Contains(q, "num_requests_running"):
				series = append(series, sample(p, "2", now))
			}
		}
		return vectorAnswer(series...)
	}
}

// TestPrometheusSourceRefusesAmbiguousAndOversizedAnswers: a replica answered twice for one
// signal is not used (which of the two is its load?); an answer beyond the size limit
// fails the cycle with PrometheusError naming the limit, before it is decoded.
func TestPrometheusSourceRefusesAmbiguousAndOversizedAnswers(t *testing.T) {
	now := time.Now()
	m := Model{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{{Name: "p-0"}, {Name: "p-1"}}}}}

	url := fakePrometheus(t, saturationAnswer(now, "p-1", "p-0", "p-1"))
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: url}, Windows{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.Collect(context.Background(), []Model{m}, now)
	if err != nil {
		t.Fatal(err)
	}
	h := got[0].Variants[0].Health
	if h.Reported != 1 || h.Invalid != 1 || !strings.Contains(h.Message, "pod p-1: Prometheus answered more than one series of vllm:num_requests_waiting for the replica") {
		t.Fatalf("duplicate series: health %+v", h)
	}
	if r, err := replicaOf(got[0], "v", "p-0"); err != nil || r.Waiting != 1 {
		t.Fatalf("the unambiguous replica: %+v %v", r, err)
	}

	huge := `{"metric":{"namespace":"ns","model_name":"m","pod":"p-0","padding":"` + strings.Repeat("x", 1<<20) + `"},"value":[1,"1"]}`
	oversized := vectorAnswer(strings.Split(strings.Repeat(huge+"\n", 65), "\n")[:65]...)
	url = fakePrometheus(t, func(q string) string {
		if strings.Contains(q, "kv_cache_usage_perc") {
			return oversized
		}
		return vectorAnswer()
	})
	src, err = NewPrometheusSource(PrometheusOptions{BaseURL: url}, Windows{})
	if err != nil {
		t.Fatal(err)
	}
	got, err = src.Collect(context.Background(), []Model{m}, now)
	if !errors.Is(err, errAnswerTooLarge) || got[0].Health.Reason != ReasonPrometheusError || !strings.Contains(got[0].Health.Message, "more than 64 MiB") {
		t.Fatalf("oversized answer: err %v, health %+v", err, got[0].Health)
	}
}

// FuzzPrometheusAnswer serves arbitrary bodies as Prometheus's answer to every query,
// through the real client: nothing panics, the source always answers every model, and a
// replica it calls usable carries only plausible values.
func FuzzPrometheusAnswer(f *testing.F) {
	now := time.Unix(1_780_000_000, 0)
	for _, q := range []string{"kv_cache_usage_perc", "num_requests_waiting", "timestamp(vllm:num_requests_running"} {
		f.Add(saturationAnswer(now, "", "p-0")(q))
	}
	f.Add(vectorAnswer(sample("p-0", "NaN", now), sample("p-0", "+Inf", now)))
	f.Add(vectorAnswer(`{"metric":{},"value":[1,"1"]}`))
	f.Add(`{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	f.Add(`{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}`)
	f.Add(`{"status":"error","errorType":"bad_data","error":"boom"}`)
	f.Add(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"p-0","namespace":"ns","model_name":"m"},"value":[1e309,"-1e400"]}]}}`)
	f.Add(`not json`)
	m := Model{Namespace: "ns", ModelID: "m", SuccessWindow: 10 * time.Minute, Variants: []Variant{{Name: "v", Pods: []Pod{{Name: "p-0"}, {Name: "p-1"}}}}}
	f.Fuzz(func(t *testing.T, body string) {
		url := fakePrometheus(t, func(string) string { return body })
		src, err := NewPrometheusSource(PrometheusOptions{BaseURL: url, Timeout: 5 * time.Second}, Windows{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := src.Collect(context.Background(), []Model{m}, now)
		if len(got) != 1 || len(got[0].Variants) != 1 {
			t.Fatalf("answered %d models (err %v)", len(got), err)
		}
		if err != nil && got[0].Health.Usable {
			t.Fatalf("failed cycle %v but usable health %+v", err, got[0].Health)
		}
		for _, r := range got[0].Variants[0].Replicas {
			for sig, v := range map[signal]float64{signalKV: r.KvCacheUsage, signalWaiting: r.Waiting, signalRunning: r.Running,
				signalAvgInput: r.AvgInputTokens, signalAvgOutput: r.AvgOutputTokens, signalSuccess: r.SuccessCount} {
				if p := implausible(sig, v); p != "" {
					t.Fatalf("usable replica %s: %s %s (body %q)", r.Pod, signalName(sig), p, body)
				}
			}
			if r.SampleTime.IsZero() {
				t.Fatalf("usable replica without a sample time: %+v", r)
			}
		}
		if got[0].SuccessWindow > m.SuccessWindow || (got[0].SuccessWindow > 0 && implausible(signalSuccess, got[0].ModelSuccesses) != "") {
			t.Fatalf("success window %s, successes %v", got[0].SuccessWindow, got[0].ModelSuccesses)
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("signals cannot be encoded: %v", err)
		}
	})
}
