package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// Faults in the middle of a run, on the real components: a Prometheus killed and
// restarted, a Prometheus answering slowly, the leader killed. Each scenario keeps a
// model at a load where its replicas are all needed, then takes the fault as the moment
// the load drops: a controller that read the fault as zero traffic, or decided on the
// seconds of data after it, would scale down; WVA must not until its windows hold data
// again. Figures are logged as FAULT lines (docs/reliability.md).

const faultApp = "llama"

// faultVariant runs a variant of n Ready replicas on a GPU node of its own and returns
// the Pods.
func faultVariant(t *testing.T, ns string, n int32) []corev1.Pod {
	t.Helper()
	ctx := context.Background()
	product := "NVIDIA-H100-" + ns
	if err := s.env.AddNode(ctx, localenv.Node{Name: "gpu-" + ns, GPUProduct: product, GPUs: 6}); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newDeployment(ns, faultApp, product, n)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, faultApp, model, faultApp, "20", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	return readyPods(t, ns, faultApp, int(n))
}

// setLoad publishes the same KV usage and queue for every Pod.
func setLoad(ns string, pods []corev1.Pod, kv, waiting float64) {
	for _, p := range pods {
		s.exp.set(ns, p.Name, model, kv, waiting)
	}
}

// specReplicas is the Deployment's spec.replicas.
func specReplicas(t *testing.T, ns string) int32 {
	t.Helper()
	var d appsv1.Deployment
	if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: faultApp}, &d); err != nil {
		t.Fatal(err)
	}
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// holdsFor fails the test if the Deployment's replicas move from want during d.
func holdsFor(t *testing.T, ns string, want int32, d time.Duration, what string) {
	t.Helper()
	end := time.Now().Add(d)
	holdUntil(t, ns, want, d+time.Second, what, func() bool { return !time.Now().Before(end) })
}

// holdUntil fails the test if the Deployment's replicas move from want before done
// reports true, or if that takes longer than timeout.
func holdUntil(t *testing.T, ns string, want int32, timeout time.Duration, what string, done func() bool) {
	t.Helper()
	for limit := time.Now().Add(timeout); !done(); time.Sleep(200 * time.Millisecond) {
		if got := specReplicas(t, ns); got != want {
			t.Fatalf("%s: replicas changed to %d, want %d held", what, got, want)
		}
		if time.Now().After(limit) {
			t.Fatalf("%s: not done within %s", what, timeout)
		}
	}
}

// maxGap is the longest time between consecutive log lines (their "ts", in seconds).
func maxGap(t *testing.T, lines []string) time.Duration {
	t.Helper()
	var prev time.Time
	var gap time.Duration
	for _, l := range lines {
		i := strings.Index(l, `"ts":"`)
		if i < 0 {
			t.Fatalf("log line without a time: %s", l)
		}
		rest := l[i+len(`"ts":"`):]
		ts, err := time.Parse(time.RFC3339, rest[:strings.IndexByte(rest, '"')])
		if err != nil {
			t.Fatalf("log line time: %v", err)
		}
		if !prev.IsZero() {
			gap = max(gap, ts.Sub(prev))
		}
		prev = ts
	}
	return gap
}

// logLines are the lines of a manager's log holding every one of the fragments.
func logLines(log string, fragments ...string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		ok := true
		for _, f := range fragments {
			ok = ok && strings.Contains(l, f)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// waitDecisions waits until the manager has logged n more decisions for the namespace's
// variant after the log offset from, and returns them.
func waitDecisions(t *testing.T, m *harness.Manager, ns string, from, n int) []string {
	t.Helper()
	var got []string
	eventually(t, patience, func() error {
		got = logLines(m.Log()[from:], `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`)
		if len(got) < n {
			return fmt.Errorf("%d decisions, want %d", len(got), n)
		}
		return nil
	})
	return got
}

// TestPrometheusKilledMidRunHoldsUntilThePeakWindowHoldsData: two replicas under a load
// that needs both; Prometheus is killed (SIGKILL) and the load drops while it is down.
// During the outage the safety net holds both replicas and says so in the log; once the
// same Prometheus (same address, same TSDB) is back, its fresh samples show the idle
// replicas, yet the scale-down waits until a whole peak window (METRICS_PEAK_WINDOW, 15 s
// here) of data has been read since; then decisions resume and the idle replica goes.
// The outage is 20 s rather than the two minutes of a real incident: what matters is that
// the load changed while no data arrived.
func TestPrometheusKilledMidRunHoldsUntilThePeakWindowHoldsData(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	const peakWindow = 15 * time.Second
	pods := faultVariant(t, ns, 2)
	setLoad(ns, pods, 0.45, 0) // one replica could not carry it (0.9 > 0.8): both stay
	prom, err := localenv.StartPrometheus(context.Background(), localenv.PrometheusOptions{
		BinDir: s.env.BinDir, Dir: t.TempDir(), HonorLabels: true, ScrapeInterval: time.Second,
		Targets: []localenv.ScrapeTarget{{Address: s.exp.addr}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	m := startManager(t, "prom-killed-"+ns, "GLOBAL_OPT_INTERVAL=2s", "ACTUATION_MODE=direct", "CONTROLLER_INSTANCE="+ns,
		"PROMETHEUS_BASE_URL="+prom.URL, "METRICS_PEAK_WINDOW="+peakWindow.String())
	wantCondition(t, ns, faultApp, v1alpha1.ConditionMetricsAvailable, metav1.ConditionTrue, "MetricsFound", patience)
	for _, d := range waitDecisions(t, m, ns, 0, 3) {
		if !strings.Contains(d, `"desiredReplicas":2`) {
			t.Fatalf("before the outage WVA does not hold 2 replicas: %s", d)
		}
	}

	prom.Kill()
	killed, before := time.Now(), len(m.Log())
	setLoad(ns, pods, 0.05, 0) // the traffic drops while nobody is looking
	outage := 20 * time.Second
	holdsFor(t, ns, 2, outage, "Prometheus down")
	net := logLines(m.Log()[before:], `"msg":"Safety net activated: emitted fallback metrics"`, `"namespace":"`+ns+`"`)
	if len(net) < 3 {
		t.Fatalf("%d safety-net log lines in a %s outage of 2 s cycles, want at least 3", len(net), outage)
	}
	t.Logf("FAULT prometheus-killed: outage %.0fs, %d safety-net cycles, replicas held at 2", time.Since(killed).Seconds(), len(net))

	if err := prom.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	back, before := time.Now(), len(m.Log())
	eventually(t, 2*time.Minute, func() error {
		if got := specReplicas(t, ns); got != 1 {
			return fmt.Errorf("replicas %d, want the idle replica gone", got)
		}
		return nil
	})
	took := time.Since(back)
	after := m.Log()[before:]
	held := logLines(after, `"namespace":"`+ns+`"`, "hold: signals usable again for", "peak window holds data again")
	if len(held) == 0 {
		t.Errorf("no decision after the restart says the scale-down waits for the peak window")
	}
	// The wait starts at the first cycle with usable signals, after the restart.
	if took < peakWindow {
		t.Errorf("scaled down %.1fs after Prometheus came back, before a %s peak window of data", took.Seconds(), peakWindow)
	}
	t.Logf("FAULT prometheus-killed: back → scale-down after %.1fs (peak window %s), %d hold decisions in between", took.Seconds(), peakWindow, len(held))
}

// delayingProxy forwards to Prometheus after a delay that can change while it runs, as
// an overloaded Prometheus would answer; a client that gives up ends the wait.
type delayingProxy struct {
	delay atomic.Int64 // nanoseconds
	srv   *httptest.Server
}

func newDelayingProxy(t *testing.T, target string) *delayingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &delayingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Duration(p.delay.Load())):
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// TestSlowPrometheusEndsTheCycleOnItsDeadline: Prometheus answers 10 s, then 60 s late
// (a delaying proxy) while the load drops. Every cycle ends its collection on its own
// deadline (3/4 of GLOBAL_OPT_INTERVAL), the safety net holds the replicas, and the next
// cycle starts on time: cycles keep coming at the interval, not at the delay. Answers on
// time again, decisions resume once the peak window holds data.
func TestSlowPrometheusEndsTheCycleOnItsDeadline(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	const interval, peakWindow = 4 * time.Second, 10 * time.Second
	pods := faultVariant(t, ns, 2)
	setLoad(ns, pods, 0.45, 0)
	proxy := newDelayingProxy(t, s.prom.URL)
	m := startManager(t, "prom-slow-"+ns, "GLOBAL_OPT_INTERVAL="+interval.String(), "ACTUATION_MODE=direct", "CONTROLLER_INSTANCE="+ns,
		"PROMETHEUS_BASE_URL="+proxy.srv.URL, "PROMETHEUS_CACHE_ENABLED=false", "METRICS_PEAK_WINDOW="+peakWindow.String())
	wantCondition(t, ns, faultApp, v1alpha1.ConditionMetricsAvailable, metav1.ConditionTrue, "MetricsFound", patience)
	waitDecisions(t, m, ns, 0, 2)

	setLoad(ns, pods, 0.05, 0)
	for _, delay := range []time.Duration{10 * time.Second, 60 * time.Second} {
		proxy.delay.Store(int64(delay))
		before := len(m.Log())
		late := func() []string {
			return logLines(m.Log()[before:], `"msg":"Signal collection passed the cycle's deadline`)
		}
		// Replicas held while three cycles end on their deadline.
		holdUntil(t, ns, 2, 2*time.Minute, fmt.Sprintf("Prometheus %s late", delay), func() bool { return len(late()) >= 3 })
		lines := late()
		net := logLines(m.Log()[before:], `"msg":"Safety net activated: emitted fallback metrics"`, `"namespace":"`+ns+`"`)
		if len(net) < len(lines)-1 {
			t.Errorf("Prometheus %s late: %d safety-net decisions for %d cycles past their deadline", delay, len(net), len(lines))
		}
		// A cycle waiting for the answer would start the next one the delay plus an
		// interval later; ending on the deadline, the next starts 3/4 of an interval
		// plus an interval later.
		gap := maxGap(t, lines)
		if gap >= delay+interval {
			t.Errorf("Prometheus %s late: cycles %s apart, as if each waited for the answer", delay, gap)
		}
		t.Logf("FAULT prometheus-slow: %s late → cycles end on their deadline, at most %s apart (interval %s, deadline %s), replicas held at 2",
			delay, gap, interval, interval*3/4)
	}
	proxy.delay.Store(0)
	back := time.Now()
	eventually(t, 2*time.Minute, func() error {
		if got := specReplicas(t, ns); got != 1 {
			return fmt.Errorf("replicas %d, want the idle replica gone", got)
		}
		return nil
	})
	if took := time.Since(back); took < peakWindow {
		t.Errorf("scaled down %.1fs after Prometheus answered on time again, before a %s peak window", took.Seconds(), peakWindow)
	} else {
		t.Logf("FAULT prometheus-slow: on time again → scale-down after %.1fs (peak window %s)", took.Seconds(), peakWindow)
	}
}

// replicaChanges records every change of a Deployment's spec.replicas the API server
// reports, in order: the writes to its scale subresource as they landed.
type replicaChanges struct {
	mu      sync.Mutex
	changes []string // "from->to"
}

func watchReplicas(t *testing.T, ns string) *replicaChanges {
	t.Helper()
	cs, err := s.env.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := cs.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + faultApp})
	if err != nil {
		t.Fatal(err)
	}
	rc := &replicaChanges{}
	go func() {
		last := int32(-1)
		for ev := range w.ResultChan() {
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok || d.Spec.Replicas == nil {
				continue
			}
			if n := *d.Spec.Replicas; last >= 0 && n != last {
				rc.mu.Lock()
				rc.changes = append(rc.changes, fmt.Sprintf("%d->%d", last, n))
				rc.mu.Unlock()
			}
			last = *d.Spec.Replicas
		}
	}()
	return rc
}

func (rc *replicaChanges) list() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.changes...)
}

// scaledWrites are the scale writes a manager logged for the namespace, as "from->to".
func scaledWrites(log, ns string) []string {
	var out []string
	for _, l := range logLines(log, `"msg":"Scaled target directly"`, `"namespace":"`+ns+`"`) {
		var from, to int
		if i := strings.Index(l, `"from":`); i >= 0 {
			_, _ = fmt.Sscanf(l[i:], `"from":%d,"to":%d`, &from, &to)
		}
		out = append(out, fmt.Sprintf("%d->%d", from, to))
	}
	return out
}

// TestLeaderKilledMidCycleActsOncePerDecision: two replicas of WVA, direct actuation, a
// model that needs three replicas. The leader is killed (SIGKILL, no lease released) the
// moment it logs a scale-up decision, in the middle of its cycle; the follower takes over
// once the lease expires and finishes the job. Every change of the Deployment's replicas
// is one logged write of one decision, none is repeated by the new leader, and the model
// ends at the three replicas it needs.
func TestLeaderKilledMidCycleActsOncePerDecision(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	faultVariant(t, ns, 1)
	changes := watchReplicas(t, ns)
	driveLoadToThree(t, ns, func() []corev1.Pod { return podsOfQuiet(ns) })

	id := "wva-leader-" + ns
	common := []string{"GLOBAL_OPT_INTERVAL=2s", "ACTUATION_MODE=direct", "ENABLE_LEADER_ELECTION=true", "LEADER_ELECTION_ID=" + id, "CONTROLLER_INSTANCE=" + ns}
	first := startManager(t, "leader-1-"+ns, common...)
	eventually(t, patience, func() error {
		if !strings.Contains(first.Log(), "Decision engine started") {
			return fmt.Errorf("replica 1 not leading yet")
		}
		return nil
	})
	second := startManager(t, "leader-2-"+ns, common...)

	// Kill the leader as soon as it logs its first scale-up: its write may or may not
	// have landed, and the follower must neither miss nor repeat it.
	_, takeover := killLeaderAtFirstScaleUp(t, first, second, ns)
	readyPods(t, ns, faultApp, 3)
	// A few cycles of the new leader at three replicas: nothing more to do.
	waitDecisions(t, second, ns, len(second.Log()), 3)
	if got := specReplicas(t, ns); got != 3 {
		t.Fatalf("replicas %d after the takeover, want 3", got)
	}

	log1, log2 := first.Log(), second.Log()
	decided := func(log string) int {
		return len(logLines(log, `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`, `"action":"up"`)) +
			len(logLines(log, `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`, `"action":"down"`))
	}
	writes := append(scaledWrites(log1, ns), scaledWrites(log2, ns)...)
	observed := changes.list()
	if strings.Join(observed, " ") != strings.Join(writes, " ") {
		t.Errorf("replica changes seen on the API server %v, scale writes logged %v: want the same", observed, writes)
	}
	if strings.Join(observed, " ") != "1->2 2->3" {
		t.Errorf("replica changes %v, want 1->2 2->3: one step per decision, none repeated", observed)
	}
	d1, d2 := decided(log1), decided(log2)
	// The killed leader's last decision may have died before its write: then it is the
	// only decision without one.
	unwritten := d1 + d2 - len(writes)
	if unwritten < 0 || unwritten > 1 {
		t.Errorf("%d scale decisions (%d by the killed leader, %d by the new one) for %d writes", d1+d2, d1, d2, len(writes))
	}
	t.Logf("FAULT leader-killed: takeover %.1fs after SIGKILL (lease 15s); scale decisions %d (killed leader %d, new leader %d), scale writes %d, replica changes on the API server %d %v",
		takeover.Seconds(), d1+d2, d1, d2, len(writes), len(observed), observed)
}

// killLeaderAtFirstScaleUp SIGKILLs the leader (first) the moment it logs a scale-up in
// ns, whether or not its write has landed, and waits for the follower (second) to lead:
// it returns when the leader was killed and how long the takeover took.
func killLeaderAtFirstScaleUp(t *testing.T, first, second *harness.Manager, ns string) (time.Time, time.Duration) {
	t.Helper()
	var killed time.Time
	eventually(t, 2*time.Minute, func() error {
		if len(logLines(first.Log(), `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`, `"action":"up"`)) == 0 {
			return fmt.Errorf("no scale-up decided yet")
		}
		first.Kill()
		killed = time.Now()
		return nil
	})
	eventually(t, patience, func() error {
		if !strings.Contains(second.Log(), "Decision engine started") {
			return fmt.Errorf("replica 2 not leading yet")
		}
		return nil
	})
	return killed, time.Since(killed)
}

// podsOfQuiet lists a Deployment's live Pods without failing the test (for goroutines).
func podsOfQuiet(ns string) []corev1.Pod {
	var list corev1.PodList
	if err := s.client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{"app": faultApp}); err != nil {
		return nil
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}
