package engine

import (
	"fmt"
	"math"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// podAt is a Pod scheduled at sched and Ready at ready.
func podAt(name string, sched, ready time.Time) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(sched)},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(ready)},
	}}}
}

// lengths is a histogram window: rates per bucket of [128, 1024, +Inf) and the sum.
func lengths(r128, r1024, sum float64) LengthRates {
	return LengthRates{Bounds: []float64{128, 1024}, Rates: []float64{r128, r1024, 0}, SumRate: sum}
}

func TestProactiveInputSumsReplicasIntoVariantWindows(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	window := time.Minute
	dep := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Command: []string{"sh", "-c", "vllm serve m --max-num-seqs 128 --max-num-batched-tokens=4096"}}}}}}}
	h100 := &inventory.Variant{VA: &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "h100", UID: "u1"}}, Target: dep, Accelerator: "H100",
		Pods: []*corev1.Pod{
			podAt("h-0", now.Add(-time.Hour-90*time.Second), now.Add(-time.Hour)),
			podAt("h-1", now.Add(-70*time.Second), now.Add(-30*time.Second)), // ready half-way through the window
		}}
	a100 := &inventory.Variant{VA: &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Name: "a100", UID: "u2"}},
		Target: &appsv1.Deployment{}, Accelerator: "A100"}
	m := &inventory.Model{Namespace: "ns", ModelID: "m", Variants: []*inventory.Variant{a100, h100}}
	load := ModelLoad{Window: window, PeakRate: 14, Pods: map[string][]PodLoad{"h100": {
		{Pod: "h-0", SuccessRate: 8, FirstTokenRate: 9, TTFTMean: 0.2, ITLMean: 0.02, Prompt: lengths(2, 6, 3000), Generation: lengths(8, 0, 800), KVTokens: 100000},
		{Pod: "h-1", SuccessRate: 2, FirstTokenRate: 3, TTFTMean: 0.6, ITLMean: 0.04, Prompt: lengths(1, 2, 1200), Generation: lengths(2, 0, 200), KVTokens: 120000},
	}}}
	prior := &perfmodel.Params{Alpha: 0.006, Beta: 4e-5, Gamma: 5e-8}
	in := ProactiveInput(m, load, HybridInputs{
		Priors:   map[string]Prior{"a100": {Params: prior, Engine: perfmodel.Engine{MaxNumSeqs: 64, KVTokens: 50000}}, "h100": {Engine: perfmodel.Engine{MaxNumSeqs: 999}}},
		Startup:  map[string]time.Duration{"h100": 40 * time.Second},
		Interval: window, Classes: []decision.ServiceClass{{Name: "Premium", Priority: 1, TTFT: time.Second, ITL: 50 * time.Millisecond}},
	}, now)

	if in.Traffic.Rate != 12 || in.Traffic.Peak != 14 {
		t.Errorf("traffic %+v, want the first-token rates summed (12/s) and the peak 14/s", in.Traffic)
	}
	if len(in.Variants) != 2 || in.Variants[0].Name != "a100" || in.Variants[1].Name != "h100" {
		t.Fatalf("variants %+v", in.Variants)
	}
	a, h := in.Variants[0], in.Variants[1]
	if a.Prior != prior || a.Engine != (perfmodel.Engine{MaxNumSeqs: 64, KVTokens: 50000}) || a.Observation.Requests != 0 {
		t.Errorf("a100 (no replicas): prior %v engine %+v observation %+v", a.Prior, a.Engine, a.Observation)
	}
	if a.Observation.Mix != in.Traffic.Mix {
		t.Errorf("a100 without requests takes the model's mix, got %+v", a.Observation.Mix)
	}
	// Arguments win over the prior; the KV cache is the largest exported.
	if h.Engine != (perfmodel.Engine{MaxNumSeqs: 128, MaxBatchedTokens: 4096, KVTokens: 120000}) || h.StartupTime != 40*time.Second {
		t.Errorf("h100 engine %+v, start-up %v", h.Engine, h.StartupTime)
	}
	o := h.Observation
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want)) }
	if !near(o.Replicas, 1.5) || !near(o.Rate, 10) || !near(o.Requests, 12*60) {
		t.Errorf("h100 window: replicas %v (want 1.5: h-1 served half of it), rate %v (10), requests %v (720)", o.Replicas, o.Rate, o.Requests)
	}
	if !near(o.TTFTMean, (0.2*9+0.6*3)/12) {
		t.Errorf("mean TTFT %v, want weighted by first tokens %v", o.TTFTMean, (0.2*9+0.6*3)/12)
	}
	// ITL weights: tokens after the first, 800-8 and 200-2.
	if want := (0.02*792 + 0.04*198) / 990; !near(o.ITLMean, want) {
		t.Errorf("mean ITL %v, want %v", o.ITLMean, want)
	}
	if !near(o.Mix.Input.Mean, 4200.0/11) || !near(o.Mix.Output.Mean, 100) {
		t.Errorf("mix %+v, want prompt mean 4200/11, output 100", o.Mix)
	}
}

// TestLatencyOfSumsTheReplicasHistograms: the feedback's window is each latency
// histogram's bucket rates summed over the variant's replicas, times the window; a
// replica exporting other buckets is left out, and no histogram gives an empty one.
func TestLatencyOfSumsTheReplicasHistograms(t *testing.T) {
	ttft := func(a, b, inf float64) LengthRates {
		return LengthRates{Bounds: []float64{0.5, 1}, Rates: []float64{a, b, inf}}
	}
	pods := []PodLoad{
		{Pod: "a", TTFT: ttft(9, 1, 0), TPOT: LengthRates{Bounds: []float64{0.05}, Rates: []float64{8, 2}}},
		{Pod: "b", TTFT: ttft(4, 0.5, 0.5)},
		{Pod: "c", TTFT: LengthRates{Bounds: []float64{0.25}, Rates: []float64{1, 1}}}, // other buckets
	}
	got := latencyOf(pods, 30*time.Second)
	if fmt.Sprint(got.TTFT.Bounds, got.TTFT.Counts) != "[0.5 1] [390 45 15]" {
		t.Errorf("TTFT %+v, want bounds [0.5 1] and counts 30 s × (13, 1.5, 0.5)", got.TTFT)
	}
	if fmt.Sprint(got.TPOT.Bounds, got.TPOT.Counts) != "[0.05] [240 60]" {
		t.Errorf("TPOT %+v, want the one replica that exports it", got.TPOT)
	}
	if l := latencyOf([]PodLoad{{Pod: "x"}}, 30*time.Second); l.TTFT.Total() != 0 || l.TPOT.Total() != 0 {
		t.Errorf("no histograms read as %+v", l)
	}
	if l := latencyOf(pods, 0); l.TTFT.Total() != 0 {
		t.Errorf("no window read as %+v", l)
	}
}

func TestStartupTimeIsTheSlowestReadyPod(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	v := &inventory.Variant{Pods: []*corev1.Pod{
		podAt("a", now, now.Add(40*time.Second)), podAt("b", now, now.Add(95*time.Second)),
		{ObjectMeta: metav1.ObjectMeta{Name: "pending"}},
	}}
	if d, ok := StartupTime(v); !ok || d != 95*time.Second {
		t.Fatalf("start-up %v (%v), want 95s", d, ok)
	}
	if _, ok := StartupTime(&inventory.Variant{Pods: []*corev1.Pod{readyPod("no-scheduled", true)}}); ok {
		t.Fatal("a Pod without a scheduled time gave a start-up time")
	}
}

func TestIntArgReadsVLLMArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
		ok   bool
	}{
		{[]string{"--max-num-seqs", "256"}, 256, true},
		{[]string{"--max-num-seqs=64"}, 64, true},
		{[]string{"sh", "-c", "exec vllm serve m --max-num-seqs 32 --port 8000"}, 32, true},
		{[]string{"--max-num-seqs-other", "5"}, 0, false},
		{[]string{"--max-num-seqs", "lots"}, 0, false},
		{[]string{"--max-num-seqs"}, 0, false},
	} {
		if got, ok := intArg(c.args, "max-num-seqs"); got != c.want || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.args, got, ok, c.want, c.ok)
		}
	}
}

func TestPerformanceModelSurvivesTheStatus(t *testing.T) {
	st := perfmodel.NewState(perfmodel.Params{Alpha: 0.0064, Beta: 4.1e-5, Gamma: 5.3e-8, Dispersion: 1.7}, 0.7, "prior")
	st.Cov[0][1], st.Cov[1][0] = 0.013, 0.013
	st.Updates, st.Rejections, st.FitError = 12, 1, 0.083
	st.LastUpdate = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := modelStatus(st, 95*time.Second)
	if s.Alpha != "0.0064" || len(s.Covariance) != 10 || s.StartupTime.Duration != 95*time.Second || s.Updates != 12 {
		t.Fatalf("status %+v", s)
	}
	back, err := stateFromStatus(s)
	if err != nil {
		t.Fatal(err)
	}
	// Six significant digits: a relative error of at most 5e-6.
	close := func(a, b float64) bool { return math.Abs(a-b) <= 5e-6*math.Abs(b) }
	sameCov := true
	for i := range st.Cov {
		for j := range st.Cov[i] {
			sameCov = sameCov && close(back.Cov[i][j], st.Cov[i][j])
		}
	}
	if !close(back.Params.Alpha, st.Params.Alpha) || !close(back.Params.Beta, st.Params.Beta) || !close(back.Params.Gamma, st.Params.Gamma) ||
		back.Params.Dispersion != 1.7 || !sameCov || back.Updates != 12 || back.Rejections != 1 || back.FitError != 0.083 ||
		!back.LastUpdate.Equal(st.LastUpdate) || back.Source != "prior" {
		t.Fatalf("restored %+v\nwant     %+v", back, st)
	}
	for name, broken := range map[string]func(*v1alpha1.PerformanceModelStatus){
		"alpha not a number":   func(s *v1alpha1.PerformanceModelStatus) { s.Alpha = "fast" },
		"beta negative":        func(s *v1alpha1.PerformanceModelStatus) { s.Beta = "-1" },
		"covariance truncated": func(s *v1alpha1.PerformanceModelStatus) { s.Covariance = s.Covariance[:4] },
		"covariance infinite":  func(s *v1alpha1.PerformanceModelStatus) { s.Covariance[3] = "+Inf" },
	} {
		c := s.DeepCopy()
		broken(c)
		if _, err := stateFromStatus(c); err == nil {
			t.Errorf("%s: restored without an error", name)
		}
	}
}
