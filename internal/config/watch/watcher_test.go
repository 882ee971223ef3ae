package watch

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) add(prefix, args string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, args)
}

// has reports whether one line contains every part.
func (b *logBuffer) has(parts ...string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lines {
		if _, ok := containsAll(l, parts...); ok {
			return true
		}
	}
	return false
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

func containsAll(s string, parts ...string) (string, bool) {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return p, false
		}
	}
	return "", true
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWatcherAgainstAPIServer runs the watcher against a real kube-apiserver and etcd.
func TestWatcherAgainstAPIServer(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: these tests need a real kube-apiserver and etcd; run `make test` " +
			"(or set KUBEBUILDER_ASSETS to the directory holding the binaries)")
	}
	env := &envtest.Environment{}
	restCfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping envtest: %v", err)
		}
	})
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	h := harness{client: client}
	t.Run("interval change applies and logs old and new", h.testInterval)
	t.Run("immutable change is rejected with a Warning event", h.testImmutable)
	t.Run("saturation overrides, invalid entries and deletion", h.testSaturation)
	t.Run("an entry the core would reject is skipped with a Warning event", h.testRejectedSaturationEntryEvent)
	t.Run("every entry skipped in one edit is named in the events", h.testEverySkippedEntryIsNamed)
	t.Run("immutable ConfigMaps and the legacy name are read", h.testImmutableConfigMap)
	t.Run("a ConfigMap change a flag or environment variable shadows is told with an event", h.testShadowedChangesAreTold)
	t.Run("only the leader raises events", h.testOnlyTheLeaderRaisesEvents)
	t.Run("performance priors reload live; an invalid entry is skipped with a Warning event", h.testPerformancePriors)
	t.Run("one invalid service class is skipped with a Warning event, the others apply", h.testServiceClassEntrySkipped)
	t.Run("a legacy saturation ConfigMap shadowed by the current one is told with a Warning event", h.testLegacySaturationShadowed)
}

// testPerformancePriors: the HYBRID mode's prior ConfigMap applies as it changes, a
// broken entry is skipped with a Warning event naming it, and deleting the ConfigMap
// removes the priors.
func (h harness) testPerformancePriors(t *testing.T) {
	ns := "wva-priors"
	store, logs := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	h.put(t, ns, config.PerformancePriorConfigMapName, map[string]string{
		"h100": "accelerator: NVIDIA-H100-80GB-HBM3\nalpha: 6.4e-3\nbeta: 40e-6\ngamma: 52e-9\nmaxNumSeqs: 256",
		"l4":   "accelerator: L4\nalpha: 0.01",
	})
	eventually(t, "the H100 prior in force", func() bool {
		p, ok := store.PriorFor("any", "NVIDIA-H100-80GB-HBM3")
		return ok && p.Params != nil && p.Params.Alpha == 6.4e-3 && p.Engine.MaxNumSeqs == 256
	})
	if _, ok := store.PriorFor("any", "L4"); ok {
		t.Error("the invalid L4 entry is in force")
	}
	eventually(t, "a Warning event InvalidConfigEntry naming the L4 entry", func() bool {
		list, err := h.client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "reason=" + ReasonInvalidConfigEntry})
		if err != nil {
			return false
		}
		for _, e := range list.Items {
			if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == config.PerformancePriorConfigMapName {
				_, ok := containsAll(e.Message, `entry "l4"`, "alpha, beta and gamma")
				return ok
			}
		}
		return false
	})
	if err := h.client.CoreV1().ConfigMaps(ns).Delete(context.Background(), config.PerformancePriorConfigMapName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no prior once the ConfigMap is deleted", func() bool {
		_, ok := store.PriorFor("any", "NVIDIA-H100-80GB-HBM3")
		return !ok
	})
	eventually(t, "the log line", func() bool { return logs.has(`"Updated performance prior config"`, `"newEntries"=0`) })
}

// harness starts one watcher per test, each in its own namespace.
type harness struct {
	client kubernetes.Interface
}

// start creates a namespace and its main ConfigMap, loads a Store from it and runs a watcher.
func (h harness) start(t *testing.T, ns string, mainData map[string]string) (*config.Store, *logBuffer) {
	t.Helper()
	if _, err := h.client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.put(t, ns, config.DefaultConfigMapName, mainData)
	r := h.replica(t, ns, nil, nil)
	return r.store, r.logs
}

// replica is one controller replica's configuration side: its store, its log and the
// events its recorder was asked to raise.
type replica struct {
	store  *config.Store
	logs   *logBuffer
	events *countingRecorder
}

// countingRecorder counts the events a recorder is asked for and passes them on.
type countingRecorder struct {
	events.EventRecorder
	mu    sync.Mutex
	count map[string]int // by reason
}

func (r *countingRecorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	r.mu.Lock()
	r.count[reason]++
	r.mu.Unlock()
	r.EventRecorder.Eventf(regarding, related, eventtype, reason, action, note, args...)
}

func (r *countingRecorder) of(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[reason]
}

// replica loads a Store from the namespace's main ConfigMap with env on top of the
// environment every replica has, and runs a watcher raising events once elected is closed
// (nil: at once).
func (h harness) replica(t *testing.T, ns string, env map[string]string, elected <-chan struct{}) replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	envVars := map[string]string{config.KeyPodNamespace: ns, config.KeyMetricsAddr: ":8443"}
	for k, v := range env {
		envVars[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := envVars[k]; return v, ok }
	data, err := ReadMainConfigMap(ctx, h.client, ns, config.DefaultConfigMapName)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(nil, lookup, data, config.OSFileExists)
	if err != nil {
		t.Fatal(err)
	}
	r := replica{store: config.NewStore(cfg), logs: &logBuffer{}}
	ctx = log.IntoContext(ctx, funcr.New(r.logs.add, funcr.Options{}))
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: h.client.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	t.Cleanup(broadcaster.Shutdown)
	r.events = &countingRecorder{EventRecorder: broadcaster.NewRecorder(scheme.Scheme, "wva-test"), count: map[string]int{}}
	w := New(h.client, r.store, r.events, elected)
	errc := make(chan error, 1)
	go func() { errc <- w.Start(ctx) }()
	select {
	case <-w.Synced():
	case err := <-errc:
		t.Fatalf("watcher stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("watcher did not sync")
	}
	return r
}

// eventsOf lists the events of a reason in a namespace.
func (h harness) eventsOf(t *testing.T, ns, reason string) []corev1.Event {
	t.Helper()
	list, err := h.client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "reason=" + reason})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// put creates or updates a ConfigMap.
func (h harness) put(t *testing.T, ns, name string, data map[string]string) {
	t.Helper()
	ctx := context.Background()
	cms := h.client.CoreV1().ConfigMaps(ns)
	cm, err := cms.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}, metav1.CreateOptions{})
	} else {
		cm.Data = data
		_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatalf("writing ConfigMap %s/%s: %v", ns, name, err)
	}
}

func (h harness) testInterval(t *testing.T) {
	ns := "wva-interval"
	store, logs := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090", config.KeyGlobalOptInterval: "60s"})
	ticks, cancel := store.IntervalChanges()
	defer cancel()
	h.put(t, ns, config.DefaultConfigMapName, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090", config.KeyGlobalOptInterval: "120s"})
	select {
	case d := <-ticks:
		if d != 120*time.Second {
			t.Errorf("subscriber got %v, want 2m", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("interval change never reached the subscriber")
	}
	if store.Interval() != 120*time.Second {
		t.Errorf("interval in force = %v", store.Interval())
	}
	eventually(t, "the interval log line", func() bool {
		return logs.has(`"msg"="Updated optimization interval"`, `"old"="60s"`, `"new"="120s"`)
	})
}

func (h harness) testImmutable(t *testing.T) {
	ns := "wva-immutable"
	store, logs := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	h.put(t, ns, config.DefaultConfigMapName, map[string]string{config.KeyPrometheusBaseURL: "https://new-prometheus:9090"})
	eventually(t, "a Warning event ImmutableConfigChangeRejected", func() bool {
		list, err := h.client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
			FieldSelector: "reason=" + ReasonImmutableConfigChangeRejected})
		if err != nil || len(list.Items) == 0 {
			return false
		}
		e := list.Items[0]
		return e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == config.DefaultConfigMapName &&
			e.InvolvedObject.Kind == "ConfigMap" && strings.Contains(e.Message, config.KeyPrometheusBaseURL)
	})
	if got := store.Current().Static.Prometheus.BaseURL; got != "https://prometheus:9090" {
		t.Errorf("running PROMETHEUS_BASE_URL = %q, want the old value", got)
	}
	if !logs.has(`"Attempted to change immutable parameters"`, `"keys"=["PROMETHEUS_BASE_URL"]`) {
		t.Errorf("no rejection log line with the keys:\n%s", logs)
	}
}

func (h harness) testSaturation(t *testing.T) {
	ns := "wva-saturation"
	store, logs := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	h.put(t, ns, config.SaturationConfigMapName, map[string]string{
		"default": "kvCacheThreshold: 0.75",
		"llama":   "model_id: meta/llama\nnamespace: team-a\nqueueLengthThreshold: 12",
		"broken":  "model_id: meta/other\nkvCacheThreshold: 1.7",
	})
	eventually(t, "the saturation config in force", func() bool {
		return store.SaturationFor("meta/llama", "team-a").QueueLengthThreshold == 12
	})
	llama := store.SaturationFor("meta/llama", "team-a")
	if llama.KvCacheThreshold != 0.75 {
		t.Errorf("override did not inherit the default: %+v", llama)
	}
	if other := store.SaturationFor("meta/llama", "team-b"); other.QueueLengthThreshold != 5 || other.KvCacheThreshold != 0.75 {
		t.Errorf("override leaked to another namespace: %+v", other)
	}
	if broken := store.SaturationFor("meta/other", "team-a"); broken.KvCacheThreshold != 0.75 {
		t.Errorf("invalid entry applied: %+v", broken)
	}
	eventually(t, "the saturation log lines", func() bool {
		return logs.has(`"Updated saturation config"`, `"oldEntries"=0`, `"newEntries"=2`) &&
			logs.has(`"key"="broken"`, "kvCacheThreshold must be in (0, 1]")
	})
	if err := h.client.CoreV1().ConfigMaps(ns).Delete(context.Background(), config.SaturationConfigMapName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "built-in defaults after deletion", func() bool {
		return store.SaturationFor("meta/llama", "team-a") == decision.DefaultSaturationConfig()
	})
	eventually(t, "the deletion log line", func() bool {
		return logs.has(`"Updated saturation config"`, `"oldEntries"=2`, `"newEntries"=0`, "built-in defaults")
	})
}

func (h harness) testImmutableConfigMap(t *testing.T) {
	ns := "wva-immutable-cm"
	store, _ := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	yes := true
	for name, data := range map[string]map[string]string{
		config.ScaleToZeroConfigMapName:      {"m": "model_id: meta/llama\nenable_scale_to_zero: true\nretention_period: 3m"},
		config.LegacySaturationConfigMapName: {"default": "queueSpareTrigger: 2"},
	} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data, Immutable: &yes}
		if _, err := h.client.CoreV1().ConfigMaps(ns).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(fmt.Errorf("creating %s: %w", name, err))
		}
	}
	eventually(t, "the immutable scale-to-zero ConfigMap in force", func() bool {
		z := store.ZeroFor("meta/llama", ns)
		return z.Enabled && z.RetentionPeriod == 3*time.Minute
	})
	eventually(t, "the legacy saturation ConfigMap in force", func() bool {
		return store.SaturationFor("any", ns).QueueSpareTrigger == 2
	})
}

// testRejectedSaturationEntryEvent protects the core from a per-model entry it would
// reject (queueLengthThreshold 0 makes every decision a safety net): the entry is skipped,
// the model keeps the default, and a Warning event names the entry, the key, the value
// and the fix.
func (h harness) testRejectedSaturationEntryEvent(t *testing.T) {
	ns := "wva-saturation-rejected"
	store, _ := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	h.put(t, ns, config.SaturationConfigMapName, map[string]string{
		"good":   "model_id: meta/good\nqueueLengthThreshold: 8",
		"queue0": "model_id: meta/llama\nqueueLengthThreshold: 0",
	})
	eventually(t, "the valid entry in force", func() bool {
		return store.SaturationFor("meta/good", ns).QueueLengthThreshold == 8
	})
	if got := store.SaturationFor("meta/llama", ns); got != decision.DefaultSaturationConfig() {
		t.Errorf("the rejected entry changed the model's configuration: %+v", got)
	}
	var note string
	eventually(t, "a Warning event InvalidConfigEntry naming entry, key, value and fix", func() bool {
		list, err := h.client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
			FieldSelector: "reason=" + ReasonInvalidConfigEntry})
		if err != nil {
			return false
		}
		for _, e := range list.Items {
			if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == config.SaturationConfigMapName {
				note = e.Message
				_, ok := containsAll(e.Message, `entry "queue0"`, "queueLengthThreshold", "got 0", "set it to")
				return ok
			}
		}
		return false
	})
	t.Logf("event: %s", note)
}

// Two bad entries in one edit: the events API merges events of one reason about one
// ConfigMap version into a series that keeps the first message, so what
// `kubectl get events` shows must name both entries, with value and fix, and the log each.
func (h harness) testEverySkippedEntryIsNamed(t *testing.T) {
	ns := "wva-saturation-two-bad"
	store, logs := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	h.put(t, ns, config.SaturationConfigMapName, map[string]string{
		"good":   "model_id: meta/good\nqueueLengthThreshold: 8",
		"kv17":   "model_id: meta/kv\nkvCacheThreshold: 1.7",
		"queue0": "model_id: meta/llama\nqueueLengthThreshold: 0",
	})
	eventually(t, "the valid entry in force and both skipped entries logged", func() bool {
		return store.SaturationFor("meta/good", ns).QueueLengthThreshold == 8 &&
			logs.has(`"Warning: skipped invalid config entry"`, `"key"="kv17"`) && logs.has(`"Warning: skipped invalid config entry"`, `"key"="queue0"`)
	})
	var shown []string
	eventually(t, "InvalidConfigEntry events naming both skipped entries with value and fix", func() bool {
		shown = shown[:0]
		for _, e := range h.eventsOf(t, ns, ReasonInvalidConfigEntry) {
			if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == config.SaturationConfigMapName {
				shown = append(shown, e.Message)
			}
		}
		all := strings.Join(shown, "\n")
		_, ok := containsAll(all, `entry "kv17"`, "got 1.7", `entry "queue0"`, "got 0", "set it to")
		return ok
	})
	t.Logf("events: %q", shown)
}

// A ConfigMap edit of a key the environment sets does nothing; it is not silent: an
// immutable key gives ImmutableConfigChangeRejected (Warning) saying what sets it, a
// mutable one a Normal event naming the winning source and the value in force.
func (h harness) testShadowedChangesAreTold(t *testing.T) {
	ns := "wva-shadowed"
	base := map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090", config.KeyGlobalOptInterval: "60s"}
	if _, err := h.client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.put(t, ns, config.DefaultConfigMapName, base)
	r := h.replica(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://env-prometheus:9090", config.KeyGlobalOptInterval: "45s"}, nil)
	h.put(t, ns, config.DefaultConfigMapName, map[string]string{config.KeyPrometheusBaseURL: "https://new-prometheus:9090", config.KeyGlobalOptInterval: "10s"})
	eventually(t, "ImmutableConfigChangeRejected naming the environment variable", func() bool {
		for _, e := range h.eventsOf(t, ns, "ImmutableConfigChangeRejected") {
			if e.Type == corev1.EventTypeWarning && strings.Contains(e.Message, "PROMETHEUS_BASE_URL is set by the environment variable PROMETHEUS_BASE_URL") {
				return true
			}
		}
		return false
	})
	eventually(t, "a Normal event for the shadowed GLOBAL_OPT_INTERVAL", func() bool {
		for _, e := range h.eventsOf(t, ns, "ConfigMapValueShadowed") {
			if _, ok := containsAll(e.Message, "GLOBAL_OPT_INTERVAL", `"10s"`, "the environment variable GLOBAL_OPT_INTERVAL", `"45s" stays in force`); ok && e.Type == corev1.EventTypeNormal {
				return true
			}
		}
		return false
	})
	if !r.logs.has(`"Attempted to change immutable parameters"`, `"keys"=["PROMETHEUS_BASE_URL"]`) {
		t.Errorf("no rejection log line:\n%s", r.logs)
	}
	if got := r.store.Interval(); got != 45*time.Second {
		t.Errorf("interval in force = %v, want the environment's 45s", got)
	}
}

// Every replica watches and applies the ConfigMaps (a new leader starts current), but a
// rejected change gives one Warning, from the leader, not one per replica.
func (h harness) testOnlyTheLeaderRaisesEvents(t *testing.T) {
	ns := "wva-leader-events"
	if _, err := h.client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.put(t, ns, config.DefaultConfigMapName, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	elected := make(chan struct{})
	close(elected)
	leader := h.replica(t, ns, nil, elected)
	follower := h.replica(t, ns, nil, make(chan struct{})) // never elected
	h.put(t, ns, config.DefaultConfigMapName, map[string]string{config.KeyPrometheusBaseURL: "https://new-prometheus:9090"})
	for name, r := range map[string]replica{"leader": leader, "follower": follower} {
		eventually(t, "the "+name+" logs the rejection", func() bool {
			return r.logs.has(`"Attempted to change immutable parameters"`)
		})
	}
	// The event is raised before the log line is written: the counts are final.
	if n := leader.events.of("ImmutableConfigChangeRejected"); n != 1 {
		t.Errorf("the leader raised %d ImmutableConfigChangeRejected events, want 1", n)
	}
	if n := follower.events.of("ImmutableConfigChangeRejected"); n != 0 {
		t.Errorf("the follower raised %d ImmutableConfigChangeRejected events, want 0", n)
	}
	eventually(t, "the leader's event in the API", func() bool { return len(h.eventsOf(t, ns, "ImmutableConfigChangeRejected")) == 1 })
	if got := follower.store.Current().Static.Prometheus.BaseURL; got != "https://prometheus:9090" {
		t.Errorf("the follower's running PROMETHEUS_BASE_URL = %q", got)
	}
}

// testServiceClassEntrySkipped: one class with an unknown field in the serviceclass
// ConfigMap is skipped with a Warning event naming the entry, the field, the value and
// the fix; the other classes apply.
func (h harness) testServiceClassEntrySkipped(t *testing.T) {
	ns := "wva-serviceclass"
	store, logs := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	h.put(t, ns, config.ServiceClassConfigMapName, map[string]string{config.ServiceClassesKey: `
- {name: Premium, model: meta/llama, priority: 1, slo-itl: 24, slo-ttw: 500}
- {name: Standard, model: meta/llama, priority: 5, slo-itl: 50, slo-ttw: 1000, sloTTFT: 900}
- {name: Freemium, model: meta/llama, priority: 10, slo-itl: 100, slo-ttw: 2000}
`})
	eventually(t, "Premium and Freemium in force", func() bool {
		got := store.ServiceClassesFor("meta/llama")
		return len(got) == 2 && got[0].Name == "Premium" && got[1].Name == "Freemium"
	})
	var note string
	eventually(t, "a Warning event InvalidConfigEntry naming entry, field, value and fix", func() bool {
		for _, e := range h.eventsOf(t, ns, ReasonInvalidConfigEntry) {
			if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == config.ServiceClassConfigMapName {
				note = e.Message
				_, ok := containsAll(e.Message, `entry "serviceClasses[1]"`, `"sloTTFT"`, "900", "slo-ttw")
				return ok
			}
		}
		return false
	})
	eventually(t, "the log lines", func() bool {
		return logs.has(`"Warning: skipped invalid config entry"`, `serviceClasses[1]`) && logs.has(`"newEntries"=2`)
	})
	t.Logf("event: %s", note)
}

// testLegacySaturationShadowed: the chart ships saturation-scaling-config, so edits to the
// legacy capacity-scaling-config have no effect; that is not silent: a log line and a
// Warning event on the legacy ConfigMap say what shadows it and how to fix it.
func (h harness) testLegacySaturationShadowed(t *testing.T) {
	ns := "wva-legacy-shadowed"
	store, logs := h.start(t, ns, map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"})
	h.put(t, ns, config.SaturationConfigMapName, map[string]string{"default": "kvCacheThreshold: 0.75"})
	eventually(t, "the current saturation ConfigMap in force", func() bool {
		return store.SaturationFor("any", ns).KvCacheThreshold == 0.75
	})
	h.put(t, ns, config.LegacySaturationConfigMapName, map[string]string{"default": "kvCacheThreshold: 0.9"})
	var note string
	eventually(t, "a Warning event on the legacy ConfigMap naming what shadows it and the fix", func() bool {
		for _, e := range h.eventsOf(t, ns, ReasonLegacyConfigMapShadowed) {
			if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Name == config.LegacySaturationConfigMapName {
				note = e.Message
				_, ok := containsAll(e.Message, config.SaturationConfigMapName, `"default"`, "move")
				return ok
			}
		}
		return false
	})
	if got := store.SaturationFor("any", ns).KvCacheThreshold; got != 0.75 {
		t.Errorf("kvCacheThreshold = %v, want 0.75 from %s", got, config.SaturationConfigMapName)
	}
	eventually(t, "the warning log line", func() bool {
		return logs.has(LogLegacySaturationShadowed, config.LegacySaturationConfigMapName)
	})
	t.Logf("event: %s", note)
}
