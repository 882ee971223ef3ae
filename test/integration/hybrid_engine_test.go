package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// Replicas of the simulated variant: step costs of a Llama-3.1-8B-like model on a
// data-centre GPU, with the engine limits of its prior.
var (
	trueParams   = perfmodel.Params{Alpha: 6.4e-3, Beta: 40e-6, Gamma: 52e-9}
	trueEngine   = perfmodel.Engine{MaxNumSeqs: 256, MaxBatchedTokens: 8192, KVTokens: 200000}
	trafficMix   = perfmodel.Mix{Input: perfmodel.Tokens{Mean: 1000, SD: 600}, Output: perfmodel.Tokens{Mean: 200, SD: 120}}
	lengthBounds = []float64{64, 128, 256, 512, 1024, 2048, 4096}
)

// modelSignals are the signals of replicas that follow the performance model exactly:
// every replica at rate/replicas requests per second shows the mean latencies the model
// predicts, with moderate KV usage that the saturation analyser alone would hold at.
type modelSignals struct {
	mu     sync.Mutex
	rate   float64
	usable bool
}

func (s *modelSignals) set(rate float64, usable bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate, s.usable = rate, usable
}

// histogram spreads n requests per second over the bounds around a mean.
func histogram(n, mean float64) engine.LengthRates {
	rates := make([]float64, len(lengthBounds)+1)
	for i, b := range lengthBounds {
		if mean <= b {
			rates[i] = n
			return engine.LengthRates{Bounds: lengthBounds, Rates: rates, SumRate: n * mean}
		}
	}
	rates[len(lengthBounds)] = n
	return engine.LengthRates{Bounds: lengthBounds, Rates: rates, SumRate: n * mean}
}

func (s *modelSignals) Collect(_ context.Context, models []*inventory.Model, now time.Time) map[engine.ModelKey]engine.ModelSignals {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[engine.ModelKey]engine.ModelSignals{}
	for _, m := range models {
		key := engine.ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}
		if !s.usable {
			out[key] = engine.ModelSignals{Status: decision.SignalStatus{Reason: "PrometheusError"}, Message: "Prometheus is down"}
			continue
		}
		ms := engine.ModelSignals{Status: decision.SignalStatus{Usable: true},
			Load: engine.ModelLoad{Window: 30 * time.Second, Pods: map[string][]engine.PodLoad{}}}
		pods := 0
		for _, v := range m.Variants {
			pods += len(v.Pods)
		}
		per := s.rate / float64(max(pods, 1))
		pr := perfmodel.Predict(trueParams, trueEngine, trafficMix, per)
		for _, v := range m.Variants {
			for _, p := range v.Pods {
				ms.Replicas = append(ms.Replicas, decision.ReplicaSignals{Variant: v.VA.Name, Pod: p.Name,
					KvCacheUsage: 0.3, Running: pr.Running, SampleTime: now})
				ms.Load.Pods[v.VA.Name] = append(ms.Load.Pods[v.VA.Name], engine.PodLoad{
					Pod: p.Name, SuccessRate: per, FirstTokenRate: per, TTFTMean: pr.TTFTMean, ITLMean: pr.ITLMean,
					Prompt: histogram(per, trafficMix.Input.Mean), Generation: histogram(per, trafficMix.Output.Mean),
					KVTokens: trueEngine.KVTokens,
				})
			}
		}
		ms.Load.PeakRate = s.rate * 1.1
		out[key] = ms
	}
	return out
}

// hybridConfig is the HYBRID configuration in force: one service class, and the engine
// limits vLLM does not export from the prior ConfigMap (no step coefficients: learning
// starts from the first window).
type hybridConfig struct{}

func (hybridConfig) ServiceClassesFor(string) []decision.ServiceClass {
	return []decision.ServiceClass{{Name: "Standard", Priority: 5, TTFT: time.Second, ITL: 50 * time.Millisecond}}
}

func (hybridConfig) PriorFor(string, string) (engine.Prior, bool) {
	return engine.Prior{Engine: perfmodel.Engine{MaxNumSeqs: trueEngine.MaxNumSeqs, MaxBatchedTokens: trueEngine.MaxBatchedTokens}}, true
}

// newHybridEngine is an engine in HYBRID mode on the fixture's cluster objects, with its
// own metrics registry (a new process).
func (f *engineFixture) newHybridEngine(sig engine.Signals, clock *clocktesting.FakeClock) (*engine.Engine, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	metrics := actuator.NewMetrics("", engine.CacheLiveness(s.client)) // as cmd/wva: only live variants get series
	reg.MustRegister(metrics.Collectors()...)
	return engine.New(engine.Options{
		Reader: f.cache, Pods: labelledPods{f.cache}, Signals: sig, Settings: staticSettings{}, Hybrid: hybridConfig{},
		Status:  status.NewWriter(s.client, s.client, f.recorder),
		Metrics: metrics, Recorder: f.recorder, Clock: clock,
	}), reg
}

// gauge reads one wva_* gauge (or counter) of the registry whose labels include want.
func gauge(t *testing.T, g prometheus.Gatherer, name string, want map[string]string) (float64, bool) {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metric
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// The HYBRID mode on the real API server: the engine learns the variant's performance
// model from the load windows and writes it to the VA status and /metrics; under a load
// the replicas cannot carry within the objectives while their KV usage is moderate, it
// adds replicas the saturation analyser alone would not (both answers in the reason); a
// new process restores what was learned from the status; with Prometheus down the safety
// net keeps the desired replicas and what was learned.
func TestHybridLearnsPersistsAndScalesAheadOfSaturation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newEngineFixture(t, ctx)
	// The Pods became Ready a moment ago in real time; the engine's clock starts a little
	// later, so each served the whole window.
	clock := clocktesting.NewFakeClock(time.Now().Add(2 * time.Minute))
	sig := &modelSignals{rate: 8, usable: true}
	eng, reg := f.newHybridEngine(sig, clock)
	for range 6 {
		eng.RunOnce(ctx, "steady")
		clock.Step(30 * time.Second)
	}
	wantDesired(t, f.ns, "llama-a100", 2, 10*time.Second)
	va := getVA(t, f.ns, "llama-a100")
	pm := va.Status.PerformanceModel
	if pm == nil || pm.Updates < 3 || pm.Alpha == "" || len(pm.Covariance) != 10 || pm.LastUpdate == nil {
		t.Fatalf("status.performanceModel after six windows: %+v", pm)
	}
	labels := map[string]string{actuator.LabelVariant: "llama-a100", actuator.LabelNamespace: f.ns}
	for _, name := range []string{actuator.MetricHybridParameter, actuator.MetricHybridParameterAge, actuator.MetricHybridFitError,
		actuator.MetricHybridSustainableRate, actuator.MetricHybridModelAnswer, actuator.MetricHybridCapacityAnswer, actuator.MetricHybridPredictedTTFT} {
		if _, ok := gauge(t, reg, name, labels); !ok {
			t.Errorf("%s{variant_name=llama-a100} not published", name)
		}
	}
	if v, ok := gauge(t, reg, actuator.MetricHybridForecastRate, map[string]string{actuator.LabelModel: model, actuator.LabelNamespace: f.ns}); !ok || v < 6 || v > 10 {
		t.Errorf("%s = %v (%v), want about the 8 req/s observed", actuator.MetricHybridForecastRate, v, ok)
	}

	// Five times the load at the same KV usage: saturation holds at 2, the model adds.
	sig.set(40, true)
	eng.RunOnce(ctx, "ramp")
	va = getVA(t, f.ns, "llama-a100")
	got := *va.Status.DesiredOptimizedAlloc.NumReplicas
	ready, err := condition(va, v1alpha1.ConditionReady)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"model answer", "forecast", "per-replica rate within objectives", "predicted p95 TTFT"} {
		if !strings.Contains(ready.Message, want) {
			t.Errorf("reason lacks %q: %s", want, ready.Message)
		}
	}
	var capacity int32
	if _, err := fmt.Sscanf(ready.Message[strings.Index(ready.Message, "hybrid: "):], "hybrid: capacity answer %d", &capacity); err != nil {
		t.Fatalf("the reason does not give the capacity answer: %s", ready.Message)
	}
	if got <= 2 || capacity > 2 {
		t.Fatalf("desired %d, capacity answer %d at 40 req/s: the model did not add replicas ahead of saturation (%s)", got, capacity, ready.Message)
	}
	t.Logf("40 req/s: desired %d; %s", got, ready.Message)
	learned := getVA(t, f.ns, "llama-a100").Status.PerformanceModel

	// A new process (restart or new leader) continues from the status.
	clock.Step(30 * time.Second)
	restarted, reg2 := f.newHybridEngine(sig, clock)
	restarted.RunOnce(ctx, "after restart")
	after := getVA(t, f.ns, "llama-a100").Status.PerformanceModel
	if after == nil || after.Updates < learned.Updates || after.Source != learned.Source {
		t.Fatalf("after a restart the model restarted from scratch: %+v, was %+v", after, learned)
	}
	if n, ok := gauge(t, reg2, actuator.MetricHybridUpdates, labels); !ok || n < float64(learned.Updates) {
		t.Errorf("the restarted engine publishes %s = %v (%v), want at least the %d updates learned before", actuator.MetricHybridUpdates, n, ok, learned.Updates)
	}

	// Prometheus down: the safety net keeps the desired replicas; nothing learned is lost.
	before := *getVA(t, f.ns, "llama-a100").Status.DesiredOptimizedAlloc.NumReplicas
	sig.set(40, false)
	clock.Step(30 * time.Second)
	restarted.RunOnce(ctx, "prometheus down")
	va = getVA(t, f.ns, "llama-a100")
	if d := *va.Status.DesiredOptimizedAlloc.NumReplicas; d != before {
		t.Errorf("with Prometheus down desired went %d -> %d, want kept", before, d)
	}
	if va.Status.PerformanceModel == nil || va.Status.PerformanceModel.Alpha != after.Alpha || va.Status.PerformanceModel.Updates != after.Updates {
		t.Errorf("with Prometheus down the learned model changed: %+v, was %+v", va.Status.PerformanceModel, after)
	}
	if ready, _ := condition(va, v1alpha1.ConditionReady); ready == nil || !strings.Contains(ready.Message, "safety net") {
		t.Errorf("the reason does not name the safety net: %+v", ready)
	}
}
