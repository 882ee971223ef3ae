package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/config"
)

func TestPlainViewPrintsDecisionsAndPeriodicLines(t *testing.T) {
	var b strings.Builder
	sc, _ := BurstScenario(time.Minute, DefaultBurstShape(), 1)
	v := &view{out: &b, plain: true, model: DefaultModel(), scenario: sc}
	rec := fakeRecording()
	v.update(rec.Samples[1], nil, nil)
	v.update(rec.Samples[2], rec.Decisions, nil)
	v.update(rec.Samples[3], rec.Decisions, nil)
	out := b.String()
	if strings.Contains(out, "\033[") {
		t.Error("plain mode wrote terminal escapes")
	}
	if strings.Count(out, "decision llama-8b-a100") != 1 {
		t.Errorf("want the decision once:\n%s", out)
	}
	if !strings.Contains(out, "llama-8b-h100 cur=1 des=1") {
		t.Errorf("no state line:\n%s", out)
	}
}

func TestLiveViewRedrawsInPlace(t *testing.T) {
	var b strings.Builder
	sc, _ := BurstScenario(time.Minute, DefaultBurstShape(), 1)
	v := &view{out: &b, model: DefaultModel(), scenario: sc, kubeconfig: "/x/kubeconfig"}
	rec := fakeRecording()
	v.update(rec.Samples[5], rec.Decisions, nil)
	out := b.String()
	for _, want := range []string{"\033[H\033[2J", "llama-8b-a100", "TTFT p50", "export KUBECONFIG=/x/kubeconfig", "1 -> 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("live view lacks %q:\n%s", want, out)
		}
	}
}

func TestSplitDecisionKeepsWhatAndWhy(t *testing.T) {
	change, what, why := splitDecision("Desired replicas 1 -> 2: scale-up: average spare queue 1.00 <= trigger 3.0 over 1 non-saturated replica(s); +1 on cheapest variant llama-8b-a100 (cost 20.0)")
	if change != "1 -> 2" || what != "+1 on cheapest variant llama-8b-a100 (cost 20.0)" || why != "scale-up: average spare queue 1.00 <= trigger 3.0 over 1 non-saturated replica(s)" {
		t.Fatalf("split: %q / %q / %q", change, what, why)
	}
	if change, what, why := splitDecision("something else"); change != "" || what != "something else" || why != "" {
		t.Fatalf("unparsed message: %q / %q / %q", change, what, why)
	}
}

// The demo configures WVA as config/manager does: listeners on the command line, the
// namespace and ConfigMap name in the environment, every other setting in the main
// ConfigMap, so that a ConfigMap edit in the demo behaves as in a cluster.
func TestWVAIsConfiguredThroughTheMainConfigMap(t *testing.T) {
	o := Options{Actuation: ActuationHPA, DecisionInterval: 5 * time.Second, ScaleToZero: true}
	settings := wvaSettings(o, "http://127.0.0.1:9090")
	args, env := wvaCommandLine("/k", "127.0.0.1:1", "127.0.0.1:2")
	for _, kv := range append(args, env...) {
		key := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(strings.SplitN(kv, "=", 2)[0], "--"), "-", "_"))
		if _, ok := settings[key]; ok {
			t.Errorf("%s is passed to the process, where it would shadow the ConfigMap", kv)
		}
	}
	if unknown := config.UnknownKeys(settings); len(unknown) > 0 {
		t.Errorf("settings WVA does not read from a ConfigMap: %v", unknown)
	}
	cm := mainConfigMapYAML(settings)
	for _, want := range []string{"name: " + config.DefaultConfigMapName, "namespace: " + config.DefaultNamespace,
		`PROMETHEUS_BASE_URL: "http://127.0.0.1:9090"`, `GLOBAL_OPT_INTERVAL: "5s"`, `ACTUATION_MODE: "metrics"`, `WVA_SCALE_TO_ZERO: "true"`} {
		if !strings.Contains(cm, want) {
			t.Errorf("main ConfigMap lacks %q:\n%s", want, cm)
		}
	}
}

// In HYBRID mode both views show each variant's two answers and the forecast; in
// CAPACITY-ONLY mode neither shows a HYBRID line.
func TestViewsShowHybridAnswersAndForecast(t *testing.T) {
	sc, _ := BurstScenario(time.Minute, DefaultBurstShape(), 1)
	rec := fakeRecording()
	s := rec.Samples[4]
	if hybridLine(s) != "" {
		t.Errorf("CAPACITY-ONLY sample: HYBRID line %q", hybridLine(s))
	}
	c, m := 1.0, 3.0
	s.Variants = append([]VariantSample(nil), s.Variants...)
	s.Variants[0].CapacityAnswer, s.Variants[0].ModelAnswer = &c, &m
	s.Hybrid = &HybridSample{ObservedRPS: 4, ForecastRPS: 5.5, PlannedRPS: 6, HorizonSec: 40}
	var plain, live strings.Builder
	(&view{out: &plain, plain: true, model: DefaultModel(), scenario: sc}).update(s, nil, nil)
	(&view{out: &live, model: DefaultModel(), scenario: sc}).update(s, nil, nil)
	for _, out := range []string{plain.String(), live.String()} {
		for _, want := range []string{"llama-8b-h100 capacity=1 model=3", "forecast=5.5rps", "planned=6.0rps in 40s"} {
			if !strings.Contains(out, want) {
				t.Errorf("view lacks %q:\n%s", want, out)
			}
		}
	}
}
