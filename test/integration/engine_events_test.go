package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// Two cycles in quick succession, the second reading a cache that has not seen the
// first's status write, announce the change 2 -> 3 once and count it once: the engine
// remembers what it published, instead of trusting the stale status.
func TestOneEventAndOneCountPerChange(t *testing.T) {
	ns := newNamespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.client.Create(ctx, newDeployment(ns, "llama-a100", "NVIDIA-A100-SXM4-80GB", 2)); err != nil {
		t.Fatal(err)
	}
	// A VA of another controller instance: no running manager touches it.
	if err := s.client.Create(ctx, newVA(ns, "llama-a100", model, "llama-a100", "5", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		ready := 0
		for _, p := range podsOf(t, ns, "llama-a100") {
			if inventory.PodReady(&p) {
				ready++
			}
		}
		if ready != 2 {
			return fmt.Errorf("%d ready pods, want 2", ready)
		}
		return nil
	})

	cs, err := kubernetes.NewForConfig(s.env.Config)
	if err != nil {
		t.Fatal(err)
	}
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: cs.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(s.client.Scheme(), "wva-integration")
	metrics := actuator.NewMetrics("")
	registry := prometheus.NewRegistry()
	registry.MustRegister(metrics.Collectors()...)
	cache := &laggingCache{Reader: namespaced{s.client, ns}}
	signals := &fixedSignals{kv: 0.5}
	eng := engine.New(engine.Options{
		Reader: cache, Signals: signals, Settings: staticSettings{},
		Status:  status.NewWriter(s.client, s.client, recorder),
		Metrics: metrics, Recorder: recorder, Clock: clock.RealClock{},
	})

	eng.RunOnce(ctx, "first") // unsaturated: publishes 2
	wantDesired(t, ns, "llama-a100", 2, 10*time.Second)
	if err := cache.freeze(ctx, ns); err != nil { // the cache sees desired 2 from now on
		t.Fatal(err)
	}
	signals.set(0.95, 8)
	eng.RunOnce(ctx, "saturated")
	eng.RunOnce(ctx, "again, before the cache catches up")
	wantDesired(t, ns, "llama-a100", 3, 10*time.Second)

	if got := scalingCount(t, registry, ns, "llama-a100"); got != 1 {
		t.Errorf("wva_replica_scaling_total = %v after one change, want 1", got)
	}
	// Events are recorded asynchronously: a sentinel recorded after the cycles shows the
	// recorder has caught up once it is on the API server.
	va := getVA(t, ns, "llama-a100")
	recorder.Eventf(va, nil, corev1.EventTypeNormal, "Sentinel", "Test", "after the cycles")
	var changes int32
	eventually(t, 30*time.Second, func() error {
		var list eventsv1.EventList
		if err := s.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		sentinel := false
		changes = 0
		for _, e := range list.Items {
			switch {
			case e.Reason == "Sentinel":
				sentinel = true
			case e.Reason == engine.ReasonDesiredChanged && strings.HasPrefix(e.Note, "Desired replicas 2 -> 3"):
				changes++
				if e.Series != nil {
					changes += e.Series.Count - 1
				}
			}
		}
		if !sentinel || changes == 0 {
			return fmt.Errorf("sentinel seen %v, %d DesiredReplicasChanged 2 -> 3 event(s)", sentinel, changes)
		}
		return nil
	})
	if changes != 1 {
		t.Errorf("DesiredReplicasChanged \"2 -> 3\" recorded %d times on the API server, want once", changes)
	}
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
