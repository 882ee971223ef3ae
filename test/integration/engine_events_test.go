package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// laggingCache reads from the API server, except that VariantAutoscaling lists come from
// a copy taken once: an informer cache that has not yet seen the engine's last status
// write, which is what a cycle triggered right after another sees.
type laggingCache struct {
	client.Reader
	mu  sync.Mutex
	vas *v1alpha1.VariantAutoscalingList
}

func (c *laggingCache) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := list.(*v1alpha1.VariantAutoscalingList); ok && c.vas != nil {
		c.vas.DeepCopyInto(l)
		return nil
	}
	return c.Reader.List(ctx, list, opts...)
}

// freeze makes VA lists return what the API server holds now, until thaw.
func (c *laggingCache) freeze(ctx context.Context, ns string) error {
	var l v1alpha1.VariantAutoscalingList
	if err := c.Reader.List(ctx, &l, client.InNamespace(ns)); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vas = &l
	return nil
}

// fixedSignals reports the same load for every replica of every variant it is asked about.
type fixedSignals struct {
	mu          sync.Mutex
	kv, waiting float64
}

func (f *fixedSignals) set(kv, waiting float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kv, f.waiting = kv, waiting
}

func (f *fixedSignals) Collect(_ context.Context, models []*inventory.Model, now time.Time) map[engine.ModelKey]engine.ModelSignals {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[engine.ModelKey]engine.ModelSignals{}
	for _, m := range models {
		ms := engine.ModelSignals{Status: decision.SignalStatus{Usable: true}}
		for _, v := range m.Variants {
			for _, p := range v.Pods {
				ms.Replicas = append(ms.Replicas, decision.ReplicaSignals{Variant: v.VA.Name, Pod: p.Name,
					KvCacheUsage: f.kv, Waiting: f.waiting, Running: 1, SampleTime: now})
			}
		}
		out[engine.ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}] = ms
	}
	return out
}

// staticSettings is a fixed configuration in force.
type staticSettings struct{}

func (staticSettings) Interval() time.Duration { return 30 * time.Second }
func (staticSettings) IntervalChanges() (<-chan time.Duration, func()) {
	return make(chan time.Duration), func() {}
}
func (staticSettings) Changes() (<-chan struct{}, func()) { return make(chan struct{}), func() {} }
func (staticSettings) SaturationFor(string, string) decision.SaturationConfig {
	return decision.DefaultSaturationConfig()
}
func (staticSettings) ZeroFor(string, string) decision.ZeroConfig { return decision.ZeroConfig{} }

// engineFixture is an engine deciding one variant (2 ready replicas) on the real API
// server, with a cache that can be frozen, fixed signals and a fake clock.
type engineFixture struct {
	ns       string
	eng      *engine.Engine
	cache    *laggingCache
	signals  *fixedSignals
	clock    *clocktesting.FakeClock
	recorder events.EventRecorder
	registry *prometheus.Registry
}

func newEngineFixture(t *testing.T, ctx context.Context) *engineFixture {
	t.Helper()
	ns := newNamespace(t)
	if err := s.client.Create(ctx, newDeployment(ns, "llama-a100", "NVIDIA-A100-SXM4-80GB", 2)); err != nil {
		t.Fatal(err)
	}
	// A VA of another controller instance: no running manager touches it.
	if err := s.client.Create(ctx, newVA(ns, "llama-a100", model, "llama-a100", "5", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	readyPods(t, ns, "llama-a100", 2)
	cs, err := kubernetes.NewForConfig(s.env.Config)
	if err != nil {
		t.Fatal(err)
	}
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: cs.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	t.Cleanup(broadcaster.Shutdown)
	f := &engineFixture{
		ns: ns, cache: &laggingCache{Reader: namespaced{s.client, ns}}, signals: &fixedSignals{kv: 0.5},
		clock:    clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		recorder: broadcaster.NewRecorder(s.client.Scheme(), "wva-integration"),
		registry: prometheus.NewRegistry(),
	}
	metrics := actuator.NewMetrics("", nil) // every variant live: these tests are about events, not deletions
	f.registry.MustRegister(metrics.Collectors()...)
	f.eng = engine.New(engine.Options{
		Reader: f.cache, Pods: labelledPods{s.client}, Signals: f.signals, Settings: staticSettings{},
		Status:  status.NewWriter(s.client, s.client, f.recorder),
		Metrics: metrics, Recorder: f.recorder, Clock: f.clock,
	})
	return f
}

// engineContext is a test's context, cancelled when the test ends, whose logger writes
// to the test's log: the engine's decision lines show with a failure, and the engine never
// falls back to controller-runtime's global logger.
func engineContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(), testr.New(t)))
	t.Cleanup(cancel)
	return ctx
}

// publishTwoThenSaturate runs a first cycle at moderate load (desired 2 published),
// freezes the cache there, and saturates every replica.
func (f *engineFixture) publishTwoThenSaturate(t *testing.T, ctx context.Context) {
	t.Helper()
	f.eng.RunOnce(ctx, "first")
	wantDesired(t, f.ns, "llama-a100", 2, 10*time.Second)
	if err := f.cache.freeze(ctx, f.ns); err != nil { // the cache sees desired 2 from now on
		t.Fatal(err)
	}
	f.signals.set(0.95, 8)
}

// changeEvents counts the DesiredReplicasChanged events with the note's prefix on the API
// server, series included, once a sentinel recorded after them has arrived (events are
// recorded asynchronously).
func (f *engineFixture) changeEvents(t *testing.T, ctx context.Context, prefix string) int32 {
	t.Helper()
	va := getVA(t, f.ns, "llama-a100")
	sentinel := fmt.Sprintf("sentinel %d", time.Now().UnixNano())
	f.recorder.Eventf(va, nil, corev1.EventTypeNormal, "Sentinel", "Test", sentinel)
	var n int32
	eventually(t, 30*time.Second, func() error {
		var list eventsv1.EventList
		if err := s.client.List(ctx, &list, client.InNamespace(f.ns)); err != nil {
			return err
		}
		seen := false
		n = 0
		for _, e := range list.Items {
			switch {
			case e.Reason == "Sentinel" && e.Note == sentinel:
				seen = true
			case e.Reason == engine.ReasonDesiredChanged && strings.HasPrefix(e.Note, prefix):
				n++
				if e.Series != nil {
					n += e.Series.Count - 1
				}
			}
		}
		if !seen || n == 0 {
			return fmt.Errorf("sentinel seen %v, %d %q event(s)", seen, n, prefix)
		}
		return nil
	})
	return n
}

// Two cycles in quick succession, the second reading a cache that has not seen the
// first's status write, announce the change 2 -> 3 once and count it once: the engine
// remembers what it published, instead of trusting the stale status.
func TestOneEventAndOneCountPerChange(t *testing.T) {
	ctx := engineContext(t)
	f := newEngineFixture(t, ctx)
	f.publishTwoThenSaturate(t, ctx)
	f.eng.RunOnce(ctx, "saturated")
	f.eng.RunOnce(ctx, "again, before the cache catches up")
	wantDesired(t, f.ns, "llama-a100", 3, 10*time.Second)

	if got := scalingCount(t, f.registry, f.ns, "llama-a100"); got != 1 {
		t.Errorf("wva_replica_scaling_total = %v after one change, want 1", got)
	}
	if n := f.changeEvents(t, ctx, "Desired replicas 2 -> 3"); n != 1 {
		t.Errorf("DesiredReplicasChanged \"2 -> 3\" recorded %d times on the API server, want once", n)
	}
}

// A change the target never follows (no HPA acts on it here, as an HPA within its
// tolerance would not) is held while young, saying for how long, and expires after
// inFlightExpiryIntervals (3 x 30 s) without progress: the variant is decided afresh from
// the previous desired count, 3 -> 4.
func TestChangeInFlightExpiresWhenTheTargetDoesNotMove(t *testing.T) {
	ctx := engineContext(t)
	f := newEngineFixture(t, ctx)
	f.publishTwoThenSaturate(t, ctx)
	f.eng.RunOnce(ctx, "saturated") // 2 -> 3; the Deployment stays at 2
	f.clock.Step(time.Minute)
	f.eng.RunOnce(ctx, "held")
	wantDesired(t, f.ns, "llama-a100", 3, 10*time.Second)
	if c, err := condition(getVA(t, f.ns, "llama-a100"), v1alpha1.ConditionReady); err != nil || !strings.Contains(c.Message, "change in flight for 1m0s") {
		t.Errorf("Ready condition %+v (%v) does not say how long the change has been in flight", c, err)
	}
	f.clock.Step(30 * time.Second)
	f.eng.RunOnce(ctx, "expired")
	wantDesired(t, f.ns, "llama-a100", 4, 10*time.Second)
	c, err := condition(getVA(t, f.ns, "llama-a100"), v1alpha1.ConditionReady)
	if err != nil || !strings.Contains(c.Message, "expired after 3 interval(s)") {
		t.Errorf("Ready condition %+v (%v) does not say the change expired", c, err)
	}
	if got := scalingCount(t, f.registry, f.ns, "llama-a100"); got != 2 {
		t.Errorf("wva_replica_scaling_total = %v after 2 -> 3 -> 4, want 2", got)
	}
}

// labelledPods finds a Deployment's live Pods by its app label, on the API server (the
// fixture has no informer cache to index).
type labelledPods struct{ c client.Reader }

func (l labelledPods) PodsOf(ctx context.Context, ns, deployment string) ([]*corev1.Pod, error) {
	var list corev1.PodList
	if err := l.c.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{"app": deployment}); err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for i := range list.Items {
		if p := &list.Items[i]; p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// namespaced lists only one namespace, so the engine ignores other tests' objects.
type namespaced struct {
	client.Client
	ns string
}

func (n namespaced) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return n.Client.List(ctx, list, append(opts, client.InNamespace(n.ns))...)
}

// scalingCount sums wva_replica_scaling_total for one variant.
func scalingCount(t *testing.T, g prometheus.Gatherer, ns, variant string) float64 {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range fams {
		if f.GetName() != actuator.MetricScalingTotal {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels[actuator.LabelNamespace] == ns && labels[actuator.LabelVariant] == variant {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}
