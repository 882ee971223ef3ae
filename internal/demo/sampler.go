package demo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// vaResource is the VariantAutoscaling resource, read unstructured so the demo needs
// no generated client.
func vaResource() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "llmd.ai", Version: "v1alpha1", Resource: "variantautoscalings"}
}

// sampler reads what a user could see — Deployments, VA status and events from the API
// server, replica signals from Prometheus, latencies from the load generator — and
// turns it into Samples.
type sampler struct {
	model    Model
	scenario Scenario
	cs       kubernetes.Interface
	dyn      dynamic.Interface
	prom     promv1.API
	obs      *observations
	start    time.Time

	mu        sync.Mutex
	samples   []Sample
	decisions []Decision
	seen      map[string]bool // event UIDs+counts already recorded
	lastT     float64
}

func newSampler(m Model, sc Scenario, cs kubernetes.Interface, dyn dynamic.Interface, promURL string, obs *observations) (*sampler, error) {
	c, err := api.NewClient(api.Config{Address: promURL})
	if err != nil {
		return nil, fmt.Errorf("prometheus client: %w", err)
	}
	return &sampler{model: m, scenario: sc, cs: cs, dyn: dyn, prom: promv1.NewAPI(c), obs: obs, seen: map[string]bool{}}, nil
}

// sample takes one Sample at now (the load started at s.start).
func (s *sampler) sample(ctx context.Context, now time.Time) (Sample, error) {
	t := now.Sub(s.start).Seconds()
	s.mu.Lock()
	prevT := s.lastT
	s.mu.Unlock()
	sm := Sample{T: t, Phase: s.scenario.PhaseAt(now.Sub(s.start))}
	// Rates over a trailing window read better than per-interval counts, which are
	// noisy at a few requests per second.
	w := min(rateWindow.Seconds(), t)
	if w > 0 {
		n := 0
		for _, r := range s.scenario.Requests {
			if at := r.At.Seconds(); at > t-w && at <= t {
				n++
			}
		}
		sm.OfferedRPS = float64(n) / w
		_, _, ok, _ := s.obs.window(now, time.Duration(w*float64(time.Second)))
		sm.CompletedRPS = float64(ok) / w
	}
	if dt := t - prevT; dt > 0 {
		_, _, _, sm.Failed = s.obs.window(now, time.Duration(dt*float64(time.Second)))
	}
	ttft, itl, _, _ := s.obs.window(now, latencyWindow)
	sm.TTFTP50, sm.TTFTP95, sm.ITLP95 = percentile(ttft, 0.5), percentile(ttft, 0.95), percentile(itl, 0.95)

	byName, err := s.variants(ctx)
	if err != nil {
		return sm, err
	}
	s.signals(ctx, now, byName)
	sm.Hybrid = s.hybrid(ctx, now, byName)
	for _, v := range s.model.Variants {
		vs := *byName[v.Name]
		sm.Variants = append(sm.Variants, vs)
		sm.CostRate += float64(vs.Current) * v.Cost
	}
	s.events(ctx, t)

	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.samples); n > 0 {
		last := s.samples[n-1]
		sm.Cost = last.Cost + last.CostRate*(t-last.T)/3600
	}
	s.samples = append(s.samples, sm)
	s.lastT = t
	return sm, nil
}

// variants reads each variant's Deployment and VA.
func (s *sampler) variants(ctx context.Context) (map[string]*VariantSample, error) {
	out := map[string]*VariantSample{}
	for _, v := range s.model.Variants {
		vs := &VariantSample{Name: v.Name, Desired: -1}
		out[v.Name] = vs
		d, err := s.cs.AppsV1().Deployments(s.model.Namespace).Get(ctx, v.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("get deployment %s: %w", v.Name, err)
		}
		if d.Spec.Replicas != nil {
			vs.Current = int(*d.Spec.Replicas)
		}
		vs.Ready = int(d.Status.ReadyReplicas)
		va, err := s.dyn.Resource(vaResource()).Namespace(s.model.Namespace).Get(ctx, v.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("get variantautoscaling %s: %w", v.Name, err)
		}
		if n, found, _ := unstructuredInt(va.Object, "status", "desiredOptimizedAlloc", "numReplicas"); found {
			vs.Desired = n
		}
	}
	return out, nil
}

// signals fills KV usage and queues from Prometheus, per variant by Pod name prefix.
func (s *sampler) signals(ctx context.Context, now time.Time, byName map[string]*VariantSample) {
	sel := fmt.Sprintf(`{namespace=%q}`, s.model.Namespace)
	q := func(metric string) model.Vector {
		val, _, _, err := s.prom.Query(ctx, metric+sel, now)
		if err != nil {
			return nil
		}
		vec, _ := val.(model.Vector)
		return vec
	}
	kvCount := map[string]int{}
	for _, smp := range q("vllm:kv_cache_usage_perc") {
		if name := s.variantOfPod(string(smp.Metric["pod"])); name != "" {
			byName[name].KVUsage += float64(smp.Value)
			kvCount[name]++
		}
	}
	for name, n := range kvCount {
		byName[name].KVUsage /= float64(n)
	}
	for _, smp := range q("vllm:num_requests_waiting") {
		if name := s.variantOfPod(string(smp.Metric["pod"])); name != "" {
			byName[name].Waiting += float64(smp.Value)
		}
	}
	for _, smp := range q("vllm:num_requests_running") {
		if name := s.variantOfPod(string(smp.Metric["pod"])); name != "" {
			byName[name].Running += float64(smp.Value)
		}
	}
}

// hybrid reads HYBRID mode's series of WVA from Prometheus: each variant's capacity and
// model answers, and the model's observed, forecast and planned arrival rates; nil when
// WVA publishes none (CAPACITY-ONLY mode).
func (s *sampler) hybrid(ctx context.Context, now time.Time, byName map[string]*VariantSample) *HybridSample {
	q := func(expr string) model.Vector {
		val, _, _, err := s.prom.Query(ctx, expr, now)
		if err != nil {
			return nil
		}
		vec, _ := val.(model.Vector)
		return vec
	}
	for _, a := range []struct {
		metric string
		set    func(*VariantSample, float64)
	}{
		{"wva_hybrid_capacity_answer_replicas", func(v *VariantSample, x float64) { v.CapacityAnswer = &x }},
		{"wva_hybrid_model_answer_replicas", func(v *VariantSample, x float64) { v.ModelAnswer = &x }},
	} {
		for _, smp := range q("max by (variant_name) (" + a.metric + ")") {
			if v := byName[string(smp.Metric["variant_name"])]; v != nil {
				a.set(v, float64(smp.Value))
			}
		}
	}
	sel := fmt.Sprintf(`{model_id=%q}`, s.model.ID)
	one := func(metric string) (float64, bool) {
		vec := q("max(" + metric + sel + ")")
		if len(vec) != 1 {
			return 0, false
		}
		return float64(vec[0].Value), true
	}
	h := &HybridSample{}
	var ok bool
	if h.ForecastRPS, ok = one("wva_hybrid_forecast_arrival_rate"); !ok {
		return nil
	}
	h.ObservedRPS, _ = one("wva_hybrid_observed_arrival_rate")
	h.PlannedRPS, _ = one("wva_hybrid_planned_arrival_rate")
	h.HorizonSec, _ = one("wva_hybrid_forecast_horizon_seconds")
	return h
}

// variantOfPod maps a Pod name to its variant: Deployment Pods are named
// <deployment>-<hash>-<suffix>.
func (s *sampler) variantOfPod(pod string) string {
	for _, v := range s.model.Variants {
		if strings.HasPrefix(pod, v.Name+"-") {
			return v.Name
		}
	}
	return ""
}

// events records WVA's new DesiredReplicasChanged events as decisions.
func (s *sampler) events(ctx context.Context, t float64) {
	evs, err := s.cs.CoreV1().Events(s.model.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "reason=DesiredReplicasChanged"})
	if err != nil {
		return
	}
	items := evs.Items
	sort.Slice(items, func(i, j int) bool { return eventTime(items[i]).Before(eventTime(items[j])) })
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range items {
		key := fmt.Sprintf("%s/%d", e.UID, e.Count)
		if s.seen[key] || eventTime(e).Before(s.start) {
			continue
		}
		s.seen[key] = true
		at := min(eventTime(e).Sub(s.start).Seconds(), t)
		s.decisions = append(s.decisions, Decision{T: at, Variant: e.InvolvedObject.Name, Message: e.Message})
	}
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	default:
		return e.CreationTimestamp.Time
	}
}

// snapshot returns copies of what was recorded so far.
func (s *sampler) snapshot() ([]Sample, []Decision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.samples...), append([]Decision(nil), s.decisions...)
}

func unstructuredInt(obj map[string]any, path ...string) (int, bool, error) {
	cur := any(obj)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, nil
		}
		if cur, ok = m[p]; !ok {
			return 0, false, nil
		}
	}
	switch v := cur.(type) {
	case int64:
		return int(v), true, nil
	case float64:
		return int(v), true, nil
	default:
		return 0, false, fmt.Errorf("not a number: %v", cur)
	}
}
