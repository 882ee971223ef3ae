package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// hybridClasses is the scenario's serviceclass entry. The simulated GPUs run ten times
// slower than real ones (timeScale), so these objectives stand for 20 ms per output token
// and 200 ms to first token on a real H100: one replica keeps them up to about 2 requests
// per second of 500/50-token requests, while its KV cache stays nearly empty (≈3 %) and
// nothing waits, so the saturation analyser alone holds at one replica.
const hybridClasses = `- name: Interactive
  model: meta/llama-3.1-8b
  priority: 1
  slo-itl: 200
  slo-ttw: 2000
`

// hybridPrior is the scenario's performance-prior-config entry: the H100 profile's step
// coefficients in wall-clock seconds (ten times the real card's, see timeScale), as a
// benchmark of the card would give them. Without a prior the first window is learned
// from, and the load's first window is a partial one.
const hybridPrior = `accelerator: H100
model_id: meta/llama-3.1-8b
alpha: 0.0639
beta: 4.06e-4
gamma: 5.2e-7
`

// setServiceClasses replaces the scenario's serviceclass ConfigMap data.
func setServiceClasses(t *testing.T, ns, classes string) {
	t.Helper()
	var cm corev1.ConfigMap
	if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "serviceclass"}, &cm); err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"serviceClasses": classes}
	if err := s.client.Update(context.Background(), &cm); err != nil {
		t.Fatal(err)
	}
}

// eventNotes returns the notes of a namespace's events of one reason about an object.
func eventNotes(t *testing.T, ns, object, reason string) []string {
	t.Helper()
	var evs corev1.EventList
	if err := s.client.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs.Items {
		if e.InvolvedObject.Name == object && e.Reason == reason {
			out = append(out, e.Message)
		}
	}
	return out
}

// metricWith returns the value of the first sample of a metric whose labels contain
// every one of labels (`name="value"` pairs), or -1.
func metricWith(text, name string, labels ...string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		end := strings.LastIndex(line, "} ")
		if end < 0 {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line[:end], l)
		}
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(line[end+2:], 64); err == nil {
			return v
		}
	}
	return -1
}

// answers reads the two answers from a variant's HYBRID reason.
var answers = regexp.MustCompile(`hybrid: capacity answer (\d+), model answer (\d+)`)

// HYBRID mode (EXPERIMENTAL_PROACTIVE_MODEL=true) on real components: under a ramp whose
// load strains the latency objectives long before it fills the KV cache, WVA learns the
// variant's performance model from Prometheus and, at its first scale-up, asks for more
// replicas than the saturation analyser does (both answers in the decision's reason, the VA's
// Ready condition and the DesiredReplicasChanged event), and the HPA acts on it; what was
// learned is in the VA status and /metrics; with Prometheus down the safety net holds the
// desired replicas as in CAPACITY-ONLY mode and nothing learned is lost.
func TestHybridAddsReplicasAheadOfSaturationUnderARamp(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "10s", "")
	setServiceClasses(t, ns, hybridClasses)
	prior := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "performance-prior-config"},
		Data: map[string]string{"h100": hybridPrior}}
	if err := s.client.Create(context.Background(), prior); err != nil {
		t.Fatal(err)
	}
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	createHPA(t, ns, name, 1, 20)
	// WVA reads its own Prometheus, which the outage below stops; the cluster Prometheus
	// keeps scraping WVA for the HPA.
	prom, err := startClusterPrometheus(context.Background(), filepath.Join(s.tmp, "prometheus-"+ns))
	if err != nil {
		t.Fatal(err)
	}
	var stopProm sync.Once
	t.Cleanup(func() { stopProm.Do(prom.Stop) })
	m := startManager(t, ns, prom.URL, true, "EXPERIMENTAL_PROACTIVE_MODEL=true")
	url, _ := startGateway(t, ns)

	eventually(t, "one Ready replica, desired 1 served to the HPA", 3*time.Minute, func() error {
		if _, ready, err := replicas(t, ns, name); err != nil || ready != 1 {
			return fmt.Errorf("ready %d (%v)", ready, err)
		}
		if d := desired(m, name); d != 1 {
			return fmt.Errorf("wva_desired_replicas %v", d)
		}
		if body, err := externalMetric(ns); err != nil || !strings.Contains(body, `"variant_name":"`+name+`"`) {
			return fmt.Errorf("external metric: %v: %s", err, body)
		}
		return nil
	})
	if !strings.Contains(m.Log(), `"mode":"HYBRID"`) {
		t.Fatal("the start-up line does not say mode HYBRID")
	}

	// A ramp from 1 to 3.5 requests/s over 40 s, then steady: one replica keeps the
	// objectives up to about 2/s.
	from, start := logLines(m), time.Now()
	startPattern(t, url, loadgen.Pattern{Kind: loadgen.Piecewise, Duration: time.Hour, PromptTokens: 500, OutputTokens: 50, Seed: 11,
		Points: []loadgen.RatePoint{{At: 0, Rate: 1}, {At: 40 * time.Second, Rate: 3.5}}})
	var up decision
	eventually(t, "WVA asks for a second replica", 3*time.Minute, func() error {
		d, ok := firstChange(m, from, "up")
		if !ok {
			return fmt.Errorf("no scale-up yet; wva_desired_replicas %v", desired(m, name))
		}
		up = d
		return nil
	})
	t.Logf("REACTION ramp start → first scale-up decision: %.1fs: %s", time.Since(start).Seconds(), up.Reason)
	a := answers.FindStringSubmatch(up.Reason)
	if a == nil {
		t.Fatalf("the scale-up's reason does not give both answers: %s", up.Reason)
	}
	capacity, modelAnswer := atoi(a[1]), atoi(a[2])
	// Ahead of saturation: the first scale-up is the model's, and it asks for more than the
	// saturation analyser does. No earlier cycle had the analyser ask for more than the
	// current replicas (that would have been a scale-up), so the replicas above the capacity
	// answer come before the analyser alone would add them. On a loaded machine the
	// simulated server's queue can reach the analyser's trigger in the same cycle; the
	// model must still answer above it.
	if modelAnswer <= capacity || up.Desired != modelAnswer {
		t.Fatalf("first scale-up %d → %d: capacity answer %d, model answer %d; want the model to add replicas the saturation analyser does not ask for",
			up.Current, up.Desired, capacity, modelAnswer)
	}
	if capacity > up.Current {
		t.Logf("the saturation analyser reached its trigger in the same cycle (capacity answer %d); the model asked for %d", capacity, modelAnswer)
	}
	for _, want := range []string{"forecast", "per-replica rate within objectives", "predicted p95 TTFT"} {
		if !strings.Contains(up.Reason, want) {
			t.Errorf("the reason lacks %q: %s", want, up.Reason)
		}
	}
	eventually(t, "a DesiredReplicasChanged event gives both answers", time.Minute, func() error {
		for _, n := range eventNotes(t, ns, name, "DesiredReplicasChanged") {
			if strings.Contains(n, fmt.Sprintf("hybrid: capacity answer %d, model answer %d", capacity, modelAnswer)) {
				return nil
			}
		}
		return fmt.Errorf("events %v", eventNotes(t, ns, name, "DesiredReplicasChanged"))
	})
	eventually(t, "the HPA scales the Deployment up", 3*time.Minute, func() error {
		if spec, _, err := replicas(t, ns, name); err != nil || spec < 2 {
			return fmt.Errorf("spec %d (%v)", spec, err)
		}
		return nil
	})
	t.Logf("REACTION ramp start → Deployment at ≥ 2 replicas: %.1fs", time.Since(start).Seconds())

	// What was learned: in the VA status and on /metrics.
	var pm *v1alpha1.PerformanceModelStatus
	eventually(t, "the VA status holds a model learned from the windows", 2*time.Minute, func() error {
		v, err := va(ns, name)
		if err != nil {
			return err
		}
		pm = v.Status.PerformanceModel
		if pm == nil || pm.Updates < 1 || pm.Alpha == "" || pm.Beta == "" || pm.Gamma == "" || pm.LastUpdate == nil {
			return fmt.Errorf("status.performanceModel %+v", pm)
		}
		return nil
	})
	t.Logf("%.1fs: status.performanceModel: alpha %s beta %s gamma %s updates %d fit error %s source %s", time.Since(start).Seconds(), pm.Alpha, pm.Beta, pm.Gamma, pm.Updates, pm.FitError, pm.Source)
	text, err := m.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "wva_hybrid_") {
			t.Logf("/metrics: %s", line)
		}
	}
	for _, q := range []string{
		`sum(rate(vllm:time_to_first_token_seconds_count{namespace="NS"}[30s]))`,
		`sum(rate(vllm:time_to_first_token_seconds_sum{namespace="NS"}[30s])) / sum(rate(vllm:time_to_first_token_seconds_count{namespace="NS"}[30s]))`,
		`sum(rate(vllm:inter_token_latency_seconds_sum{namespace="NS"}[30s])) / sum(rate(vllm:inter_token_latency_seconds_count{namespace="NS"}[30s]))`,
		`sum(rate(vllm:request_prompt_tokens_sum{namespace="NS"}[30s])) / sum(rate(vllm:request_prompt_tokens_count{namespace="NS"}[30s]))`,
		`sum(rate(vllm:request_generation_tokens_sum{namespace="NS"}[30s])) / sum(rate(vllm:request_generation_tokens_count{namespace="NS"}[30s]))`,
		`max(vllm:num_requests_waiting{namespace="NS"})`, `max(vllm:num_requests_running{namespace="NS"})`,
	} {
		q = strings.ReplaceAll(q, "NS", ns)
		v, err := promValue(prom.URL, q)
		t.Logf("prometheus: %s = %v (%v)", q, v, err)
	}
	variant, space := `variant_name="`+name+`"`, `namespace="`+ns+`"`
	if a := metricWith(text, "wva_hybrid_model_parameter", variant, `parameter="alpha"`); a <= 0 {
		t.Errorf("wva_hybrid_model_parameter{parameter=alpha} %v", a)
	}
	if n := metricWith(text, "wva_hybrid_model_updates_total", variant); n < 1 {
		t.Errorf("wva_hybrid_model_updates_total %v", n)
	}
	for _, name := range []string{"wva_hybrid_capacity_answer_replicas", "wva_hybrid_model_answer_replicas", "wva_hybrid_sustainable_rate"} {
		if metricWith(text, name, variant) < 0 {
			t.Errorf("%s not published", name)
		}
	}
	if f := metricWith(text, "wva_hybrid_forecast_arrival_rate", space, `model_id="`+model+`"`); f <= 0 {
		t.Errorf("wva_hybrid_forecast_arrival_rate %v", f)
	}

	// Prometheus down: the safety net keeps the desired replicas, nothing learned is lost.
	before, err := va(ns, name)
	if err != nil || before.Status.DesiredOptimizedAlloc.NumReplicas == nil {
		t.Fatalf("VA before the outage: %v", err)
	}
	held, updates := *before.Status.DesiredOptimizedAlloc.NumReplicas, before.Status.PerformanceModel.Updates
	outage := len(m.Log())
	stopProm.Do(prom.Stop)
	eventually(t, "VA says metrics are unavailable", time.Minute, func() error {
		v, err := va(ns, name)
		if err != nil {
			return err
		}
		if st, r := condition(v, v1alpha1.ConditionMetricsAvailable); st != "False" {
			return fmt.Errorf("MetricsAvailable=%s/%s", st, r)
		}
		return nil
	})
	consistently(t, "the safety net holds while Prometheus is down (3 cycles)", 25*time.Second, func() error {
		if d := desired(m, name); d != float64(held) {
			return fmt.Errorf("wva_desired_replicas %v, want the %d held", d, held)
		}
		if spec, _, err := replicas(t, ns, name); err == nil && spec < held {
			return fmt.Errorf("the Deployment went down to %d", spec)
		}
		return nil
	})
	t.Logf("%.1fs: the safety net held %d replicas through 3 cycles of the outage", time.Since(start).Seconds(), held)
	v, err := va(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status.PerformanceModel == nil || v.Status.PerformanceModel.Updates < updates {
		t.Errorf("the learned model was lost during the outage: %+v", v.Status.PerformanceModel)
	}
	if !strings.Contains(m.Log()[outage:], `"msg":"Safety net activated: emitted fallback metrics"`) {
		t.Error("no safety-net log line during the outage")
	}
}

// atoi parses a number the regular expression matched.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
