package engine

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// lines collects log lines from the engine.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) add(_, args string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, args)
}

// with returns the lines holding every part.
func (l *lines) with(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for _, s := range l.all {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// applyHarness runs Engine.apply against a real kube-apiserver and etcd.
type applyHarness struct {
	c       client.Client
	cs      kubernetes.Interface
	metrics *actuator.Metrics
	logs    *lines
	ctx     context.Context
	engine  *Engine
}

// startAPIServer starts kube-apiserver and etcd with WVA's CRD installed.
func startAPIServer(t *testing.T) (client.Client, kubernetes.Interface) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: these tests need a real kube-apiserver and etcd; run `make test` " +
			"(or set KUBEBUILDER_ASSETS to the directory holding the binaries)")
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{"../../config/crd/bases"}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start kube-apiserver and etcd: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop kube-apiserver and etcd: %v", err)
		}
	})
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, cs
}

// newApplyHarness wires an engine the way cmd/wva does, minus the loop: status writer,
// metrics, events; direct scaling when direct is set.
func newApplyHarness(t *testing.T, c client.Client, cs kubernetes.Interface, direct bool) *applyHarness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: cs.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	t.Cleanup(broadcaster.Shutdown)
	recorder := broadcaster.NewRecorder(c.Scheme(), "wva-test")
	logs := &lines{}
	h := &applyHarness{c: c, cs: cs, metrics: actuator.NewMetrics("", nil), logs: logs,
		ctx: log.IntoContext(ctx, funcr.New(logs.add, funcr.Options{}))}
	opts := Options{Reader: c, Status: status.NewWriter(c, c, recorder), Metrics: h.metrics, Recorder: recorder}
	if direct {
		opts.Scaler = actuator.NewScaler(c, nil)
	}
	h.engine = New(opts)
	return h
}

// apply carries a decision out as a cycle does: with the desired count the engine last
// announced (or reads from status) for the variant, and its writes done at once.
func (h *applyHarness) apply(v *inventory.Variant, vd *decision.VariantDecision, d *decision.Decision, sig ModelSignals, now time.Time) {
	_, _, previous := h.engine.flights.observe(v, now)
	h.engine.apply(h.ctx, v, vd, d, sig, now, previous, &tally{})(h.ctx)
}

// namespace creates a namespace for one test.
func (h *applyHarness) namespace(t *testing.T, name string) string {
	t.Helper()
	if err := h.c.Create(h.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	return name
}

// variant creates a Deployment with replicas and a VA scaling it, and returns the
// variant as the inventory would see it.
func (h *applyHarness) variant(t *testing.T, ns, name string, replicas int32) *inventory.Variant {
	t.Helper()
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "vllm", Image: "vllm"}}},
			},
		},
	}
	va := &v1alpha1.VariantAutoscaling{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.VariantAutoscalingSpec{ModelID: "meta/llama-3.1-8b",
			ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: name}},
	}
	for _, o := range []client.Object{dep, va} {
		if err := h.c.Create(h.ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return h.reread(t, ns, name)
}

// reread returns the variant with its VA and Deployment as the API has them now.
func (h *applyHarness) reread(t *testing.T, ns, name string) *inventory.Variant {
	t.Helper()
	key := types.NamespacedName{Namespace: ns, Name: name}
	var va v1alpha1.VariantAutoscaling
	var dep appsv1.Deployment
	if err := h.c.Get(h.ctx, key, &va); err != nil {
		t.Fatal(err)
	}
	if err := h.c.Get(h.ctx, key, &dep); err != nil {
		t.Fatal(err)
	}
	return &inventory.Variant{VA: &va, Target: &dep, Accelerator: "H100", AcceleratorFrom: inventory.FromVALabel, Cost: 10}
}

// decided builds the core's decision for one variant going from current to desired.
func decided(v *inventory.Variant, desired int, analyzer decision.AnalyzerKind, reason string) (*decision.VariantDecision, *decision.Decision) {
	current := v.CurrentReplicas()
	vd := decision.VariantDecision{Name: v.VA.Name, Accelerator: v.Accelerator, Cost: v.Cost, CurrentReplicas: current,
		ReadyReplicas: current, DesiredReplicas: desired, Reason: reason}
	switch {
	case desired > current:
		vd.Action = decision.ActionScaleUp
	case desired < current:
		vd.Action = decision.ActionScaleDown
	default:
		vd.Action = decision.ActionHold
	}
	d := decision.Decision{ModelID: v.VA.Spec.ModelID, Namespace: v.VA.Namespace, Variants: []decision.VariantDecision{vd},
		Analysis: decision.Analysis{Analyzer: analyzer}}
	if analyzer == decision.AnalyzerSafetyNet {
		d.SafetyNet = true
		d.Variants[0].FallbackSource = decision.FallbackCurrentReplicas
		if v.VA.Status.DesiredOptimizedAlloc.LastRunTime != nil {
			d.Variants[0].FallbackSource = decision.FallbackPreviousDesired
		}
	}
	return &d.Variants[0], &d
}

// usable is a collector answer with fresh signals.
var usable = ModelSignals{Status: decision.SignalStatus{Usable: true}}

// events returns the notes of the events with reason on the object named name.
func (h *applyHarness) events(t *testing.T, ns, name, reason string) []string {
	t.Helper()
	list, err := h.cs.EventsV1().Events(ns).List(h.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e.Note)
		}
	}
	return out
}

// waitEvents waits until exactly the wanted notes were recorded (events are written
// asynchronously), and fails if more arrive.
func (h *applyHarness) waitEvents(t *testing.T, ns, name, reason string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := h.events(t, ns, name, reason)
		if len(got) == len(want) {
			for _, w := range want {
				if !containsNote(got, w) {
					t.Fatalf("events %s on %s: %q, want one starting with %q", reason, name, got, w)
				}
			}
			return
		}
		if len(got) > len(want) || time.Now().After(deadline) {
			t.Fatalf("events %s on %s: %q, want %d starting with %q", reason, name, got, len(want), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func containsNote(notes []string, prefix string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// condition returns a condition of the VA's status.
func condition(t *testing.T, va *v1alpha1.VariantAutoscaling, typ string) metav1.Condition {
	t.Helper()
	for _, c := range va.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	t.Fatalf("VA %s has no %s condition: %+v", va.Name, typ, va.Status.Conditions)
	return metav1.Condition{}
}

// TestApply carries decisions out against a real API server, one rule at a time: what is
// published, written to status, counted and announced, and what is not.
func TestApply(t *testing.T) {
	c, cs := startAPIServer(t)
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

	t.Run("decisions: status, series, events and the scaling counter", func(t *testing.T) {
		h := newApplyHarness(t, c, cs, false)
		ns := h.namespace(t, "decisions")
		v := h.variant(t, ns, "llama-h100", 2)
		mv := prometheus.Labels{actuator.LabelVariant: "llama-h100", actuator.LabelNamespace: ns, actuator.LabelAccelerator: "H100"}

		// First decision: written with its time, announced from "unset", not counted
		// (there is no previous desired to compare with).
		vd, d := decided(v, 3, decision.AnalyzerSaturationV1, "scale-up: average spare KV 0.05 <= trigger 0.10")
		h.apply(v, vd, d, usable, t0)
		v = h.reread(t, ns, "llama-h100")
		st := v.VA.Status
		if st.CurrentReplicas == nil || *st.CurrentReplicas != 2 || st.DesiredOptimizedAlloc.NumReplicas == nil ||
			*st.DesiredOptimizedAlloc.NumReplicas != 3 || st.DesiredOptimizedAlloc.Accelerator != "H100" ||
			!st.DesiredOptimizedAlloc.LastRunTime.Time.Equal(t0) || st.Actuation.Applied {
			t.Fatalf("status after the first decision = %+v", st)
		}
		ready := condition(t, v.VA, v1alpha1.ConditionReady)
		if ready.Status != metav1.ConditionTrue || ready.Reason != v1alpha1.ReasonTargetFound ||
			ready.Message != "Target deployment 'llama-h100' found; desired 3 (up): scale-up: average spare KV 0.05 <= trigger 0.10" {
			t.Errorf("Ready = %+v", ready)
		}
		if m := condition(t, v.VA, v1alpha1.ConditionMetricsAvailable); m.Status != metav1.ConditionTrue || m.Reason != ReasonMetricsAvailable {
			t.Errorf("MetricsAvailable = %+v", m)
		}
		if got := scalingCount(h, mv, "up"); got != 0 {
			t.Errorf("wva_replica_scaling_total up = %v after the first decision, want 0", got)
		}
		if got := seriesValue(h, actuator.MetricDesiredReplicas, mv); got != 3 {
			t.Errorf("wva_desired_replicas = %v, want 3", got)
		}
		h.waitEvents(t, ns, "llama-h100", ReasonDesiredChanged, "Desired replicas unset -> 3: scale-up")

		// The same answer again: no event, no count; the time of the decision moves on.
		vd, d = decided(v, 3, decision.AnalyzerSaturationV1, "hold: change in flight (previous desired 3, current 2)")
		h.apply(v, vd, d, usable, t0.Add(time.Minute))
		v = h.reread(t, ns, "llama-h100")
		if !v.VA.Status.DesiredOptimizedAlloc.LastRunTime.Time.Equal(t0.Add(time.Minute)) {
			t.Errorf("lastRunTime = %v, want the new decision's time", v.VA.Status.DesiredOptimizedAlloc.LastRunTime)
		}
		if got := scalingCount(h, mv, "up") + scalingCount(h, mv, "down"); got != 0 {
			t.Errorf("an unchanged decision was counted: %v", got)
		}

		// A change down from the previous desired: counted once as down, announced.
		vd, d = decided(v, 1, decision.AnalyzerSaturationV1, "scale-down: load of 2 replicas on 1")
		h.apply(v, vd, d, usable, t0.Add(2*time.Minute))
		v = h.reread(t, ns, "llama-h100")
		if got := scalingCount(h, mv, "down"); got != 1 {
			t.Errorf("wva_replica_scaling_total down = %v, want 1", got)
		}
		if got := scalingCount(h, mv, "up"); got != 0 {
			t.Errorf("wva_replica_scaling_total up = %v, want 0 (3 -> 1 is down)", got)
		}
		h.waitEvents(t, ns, "llama-h100", ReasonDesiredChanged, "Desired replicas unset -> 3", "Desired replicas 3 -> 1: scale-down")

		// The safety net repeating the previous desired: logged as the guide says, the
		// time of the last real decision kept, MetricsAvailable says why, nothing counted.
		vd, d = decided(v, 1, decision.AnalyzerSafetyNet, "safety net: signals unusable (PrometheusError)")
		down := ModelSignals{Status: decision.SignalStatus{Reason: "PrometheusError"}, Message: "connection refused"}
		h.apply(v, vd, d, down, t0.Add(3*time.Minute))
		v = h.reread(t, ns, "llama-h100")
		if got := v.VA.Status.DesiredOptimizedAlloc; !got.LastRunTime.Time.Equal(t0.Add(2*time.Minute)) || *got.NumReplicas != 1 {
			t.Errorf("desiredOptimizedAlloc after the safety net = %+v, want the last decision's (1 at %v)", got, t0.Add(2*time.Minute))
		}
		if m := condition(t, v.VA, v1alpha1.ConditionMetricsAvailable); m.Status != metav1.ConditionFalse || m.Reason != "PrometheusError" || m.Message != "connection refused" {
			t.Errorf("MetricsAvailable = %+v", m)
		}
		if got := h.logs.with(`"msg"="`+LogSafetyNet+`"`, `"variant"="llama-h100"`, `"currentReplicas"=2`, `"desiredReplicas"=1`,
			`"fallbackSource"="previous-desired"`); len(got) != 1 {
			t.Errorf("safety net log lines: %q\nall: %q", got, h.logs.with(""))
		}
		if got := scalingCount(h, mv, "down"); got != 1 {
			t.Errorf("wva_replica_scaling_total down = %v after the safety net, want still 1", got)
		}
		h.waitEvents(t, ns, "llama-h100", ReasonDesiredChanged, "Desired replicas unset -> 3", "Desired replicas 3 -> 1")
	})

	t.Run("a variant's own health decides its MetricsAvailable", func(t *testing.T) {
		h := newApplyHarness(t, c, cs, false)
		ns := h.namespace(t, "health")
		v := h.variant(t, ns, "llama-a100", 1)
		sig := ModelSignals{Status: decision.SignalStatus{Usable: true}, Variants: map[string]VariantHealth{
			"llama-a100": {Reason: "MetricsStale", Message: "1 of 1 replica(s) reported, but only samples older than the staleness limit"},
		}}
		vd, d := decided(v, 1, decision.AnalyzerSaturationV1, "hold")
		h.apply(v, vd, d, sig, t0)
		v = h.reread(t, ns, "llama-a100")
		if m := condition(t, v.VA, v1alpha1.ConditionMetricsAvailable); m.Status != metav1.ConditionFalse || m.Reason != "MetricsStale" {
			t.Errorf("MetricsAvailable = %+v, want False/MetricsStale", m)
		}
		h.waitEvents(t, ns, "llama-a100", "MetricsStale", "MetricsAvailable is False")
	})

	t.Run("direct actuation scales the target and says so", func(t *testing.T) {
		h := newApplyHarness(t, c, cs, true)
		ns := h.namespace(t, "direct")
		v := h.variant(t, ns, "llama-l4", 1)
		vd, d := decided(v, 4, decision.AnalyzerSaturationV1, "scale-up")
		h.apply(v, vd, d, usable, t0)
		v = h.reread(t, ns, "llama-l4")
		if got := v.CurrentReplicas(); got != 4 {
			t.Errorf("Deployment replicas = %d, want 4", got)
		}
		if !v.VA.Status.Actuation.Applied {
			t.Error("actuation.applied is false after a direct scale")
		}
		if got := h.logs.with(`"msg"="Scaled target directly"`, `"from"=1`, `"to"=4`); len(got) != 1 {
			t.Errorf("direct scaling log lines: %q", got)
		}
	})
}

// scalingCount reads wva_replica_scaling_total of a variant for the saturation analyser.
func scalingCount(h *applyHarness, variant prometheus.Labels, direction string) float64 {
	l := prometheus.Labels{actuator.LabelDirection: direction, actuator.LabelReason: string(decision.AnalyzerSaturationV1)}
	for k, v := range variant {
		l[k] = v
	}
	return seriesValue(h, actuator.MetricScalingTotal, l)
}

// seriesValue gathers the metrics as /metrics serves them and returns the value of the
// series of name with exactly these labels; 0 when there is none.
func seriesValue(h *applyHarness, name string, labels prometheus.Labels) float64 {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(h.metrics.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// statusDown is a client whose status writes fail, as while the API server restarts
// between a scale write and the status write that follows it.
type statusDown struct{ client.Client }

func (s statusDown) Status() client.SubResourceWriter { return failingStatus{s.Client.Status()} }

// failingStatus refuses every status patch.
type failingStatus struct{ client.SubResourceWriter }

func (failingStatus) Patch(context.Context, client.Object, client.Patch, ...client.SubResourcePatchOption) error {
	return errors.New("connection refused")
}

// TestApplyRemembersWhatTheTargetWasAskedWhenTheStatusWriteFails: the status says 2; a
// decision for 3 reaches the target (scaled directly, or the metric an HPA follows
// published) but its status write fails. The next cycle must follow the 3 (previous
// desired 3: nothing to undo) and still announce the change from 2 once a status lands.
// A VA whose first status write fails is still announced from "unset".
func TestApplyRemembersWhatTheTargetWasAskedWhenTheStatusWriteFails(t *testing.T) {
	c, cs := startAPIServer(t)
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, direct := range []bool{true, false} {
		mode := map[bool]string{true: "direct", false: "metrics"}[direct]
		t.Run(mode, func(t *testing.T) {
			h := newApplyHarness(t, c, cs, direct)
			working := h.engine.opts.Status
			ns := h.namespace(t, "asked-"+mode)
			v := h.variant(t, ns, "llama", 2)
			vd, d := decided(v, 2, decision.AnalyzerSaturationV1, "hold: within thresholds")
			h.apply(v, vd, d, usable, t0)
			v = h.reread(t, ns, "llama")

			h.engine.opts.Status = status.NewWriter(statusDown{c}, c, nil)
			vd, d = decided(v, 3, decision.AnalyzerSaturationV1, "scale-up: all 2 sampled replica(s) saturated")
			h.apply(v, vd, d, usable, t0.Add(time.Minute))
			v = h.reread(t, ns, "llama")
			if got := *v.VA.Status.DesiredOptimizedAlloc.NumReplicas; got != 2 {
				t.Fatalf("the status write was meant to fail, yet the status says %d", got)
			}
			prev, _, announced := h.engine.flights.observe(v, t0.Add(2*time.Minute))
			if deref(prev) != 3 || deref(announced) != 2 {
				t.Errorf("after the target was asked for 3 and the status write failed: previous desired %d, announced %d; want 3 (what the target follows) and 2 (the change not yet announced)", deref(prev), deref(announced))
			}

			h.engine.opts.Status = working
			fresh := h.variant(t, ns, "fresh", 1)
			h.engine.opts.Status = status.NewWriter(statusDown{c}, c, nil)
			vd, d = decided(fresh, 2, decision.AnalyzerSaturationV1, "scale-up: all 1 sampled replica(s) saturated")
			h.apply(fresh, vd, d, usable, t0)
			if _, _, announced := h.engine.flights.observe(h.reread(t, ns, "fresh"), t0.Add(time.Minute)); announced != nil {
				t.Errorf("a VA whose first status write failed would be announced from %d, not from unset", *announced)
			}
		})
	}
}
