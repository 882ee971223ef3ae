package status

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// requestLog records the requests a client sends, as "METHOD /path".
type requestLog struct {
	mu  sync.Mutex
	got []string
}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		l.mu.Lock()
		l.got = append(l.got, r.Method+" "+r.URL.Path)
		l.mu.Unlock()
		return rt.RoundTrip(r)
	})
}

// take returns the requests since the last take, sorted.
func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	sort.Strings(out)
	return out
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// countingLimiter counts the writes it paces.
type countingLimiter struct {
	mu sync.Mutex
	n  int
}

func (c *countingLimiter) Wait(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return nil
}

// decide is the mutation a decision cycle applies: desired replicas, lastRunTime now (or
// kept, under the safety net) and a Ready condition carrying the reason.
func decide(desired int32, reason string, now time.Time, keepTime bool) Mutation {
	return func(st *v1alpha1.VariantAutoscalingStatus) {
		stamp := metav1.NewTime(now)
		if !keepTime || st.DesiredOptimizedAlloc.LastRunTime == nil {
			st.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{Accelerator: "H100", NumReplicas: ptr.To(desired), LastRunTime: &stamp}
		}
		SetCondition(st, v1alpha1.ConditionReady, true, "TargetFound", fmt.Sprintf("desired %d: %s", desired, reason), 1, stamp)
	}
}

// TestWriterWritesInProportionToChange drives the writer as a cycle does, on a real API
// server, and counts every request it sends: nothing when only figures or lastRunTime
// move, one PATCH when the content changes or the heartbeat is due, and after a conflict
// (a stale cached copy) one GET of that VA and a PATCH only if still needed.
func TestWriterWritesInProportionToChange(t *testing.T) {
	env := localenvtest.Start(t, localenv.Options{ControlPlaneOnly: true})
	ctx := context.Background()
	if err := env.ApplyFiles(ctx, filepath.Join("..", "..", "config", "crd", "bases")); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	admin, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	cfg := rest.CopyConfig(env.Config)
	cfg.WrapTransport = log.wrap
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "w"}}); err != nil {
		t.Fatal(err)
	}
	va := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Namespace: "w", Name: "a"}, Spec: v1alpha1.VariantAutoscalingSpec{
		ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: "a"}, ModelID: "m"}}
	if err := admin.Create(ctx, va); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(va), &v1alpha1.VariantAutoscaling{}); err != nil {
		t.Fatal(err)
	}
	log.take() // the client's discovery and this read are not the writer's
	const heartbeat = 10 * time.Minute
	limiter := &countingLimiter{}
	w := NewWriter(c, c, events.NewFakeRecorder(100), WithHeartbeat(heartbeat), WithLimiter(limiter))
	patch := "PATCH /apis/llmd.ai/v1alpha1/namespaces/w/variantautoscalings/a/status"
	get := "GET /apis/llmd.ai/v1alpha1/namespaces/w/variantautoscalings/a"
	cached := va
	// Start just after one of the VA's refresh instants: the heartbeat is due at the first
	// instant at least a third of the heartbeat after the write of "new wording" (at 2m),
	// the next one.
	period := refreshPeriod(heartbeat)
	t0 := refreshInstant(va, period, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Add(time.Second)
	next := t0.Add(period - time.Second)
	steps := []struct {
		name   string
		at     time.Time
		mutate Mutation
		stale  bool // write from the VA as first created, not the last written
		want   []string
		wrote  bool
	}{
		{"first decision", t0, decide(2, "hold: spare KV 0.11", t0, false), false, []string{patch}, true},
		{"same content, new figures and time", t0.Add(time.Minute), decide(2, "hold: spare KV 0.13", t0.Add(time.Minute), false), false, nil, false},
		{"new wording", t0.Add(2 * time.Minute), decide(2, "hold: change in flight for 30s", t0.Add(2*time.Minute), false), false, []string{patch}, true},
		{"figures only, just before the heartbeat", next.Add(-time.Second), decide(2, "hold: change in flight for 90s", next.Add(-time.Second), false), false, nil, false},
		{"heartbeat due", next, decide(2, "hold: change in flight for 95s", next, false), false, []string{patch}, true},
		{"safety net keeps the time: figures never write", t0.Add(time.Hour), decide(2, "hold: change in flight for 900s", t0.Add(time.Hour), true), false, nil, false},
		{"new desired from a stale copy: conflict, re-read, write", t0.Add(2 * time.Hour), decide(3, "scale-up", t0.Add(2*time.Hour), false), true, []string{get, patch, patch}, true},
		{"same content from a stale copy: conflict, re-read, nothing to write", t0.Add(2*time.Hour + time.Second), decide(3, "scale-up", t0.Add(2*time.Hour+time.Second), false), true, []string{get, patch}, false},
	}
	writes := 0
	for _, s := range steps {
		from := cached
		if s.stale {
			from = va
		}
		res, err := w.Update(ctx, from, s.at, s.mutate)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := log.take()
		if strings.Join(got, ", ") != strings.Join(s.want, ", ") || res.Wrote != s.wrote {
			t.Errorf("%s: requests [%s] (wrote %v), want [%s] (wrote %v)", s.name, strings.Join(got, ", "), res.Wrote, strings.Join(s.want, ", "), s.wrote)
		}
		if res.Wrote {
			writes++
		}
		cached = res.VA
	}
	var final v1alpha1.VariantAutoscaling
	if err := admin.Get(ctx, client.ObjectKeyFromObject(va), &final); err != nil {
		t.Fatal(err)
	}
	if n := final.Status.DesiredOptimizedAlloc.NumReplicas; n == nil || *n != 3 {
		t.Errorf("desired on the API server = %v, want 3", n)
	}
	if limiter.n != writes+2 { // every PATCH waited, the two that conflicted included
		t.Errorf("the limiter paced %d writes, want %d", limiter.n, writes+2)
	}
}

// Each VA's heartbeat instants are its own phase in every period: the last one is at most
// now and less than a period ago, phases differ between VAs, and a doubled period keeps
// every other instant of the same grid.
func TestRefreshInstantsArePhasesOfThePeriod(t *testing.T) {
	h := 5 * time.Minute
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	phases := map[time.Duration]bool{}
	for i := range 50 {
		va := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{UID: types.UID(fmt.Sprint("uid-", i))}}
		at := refreshInstant(va, h, now)
		if at.After(now) || now.Sub(at) >= h {
			t.Fatalf("instant %v for now %v, want within the last %v", at, now, h)
		}
		if got := refreshInstant(va, h, at); !got.Equal(at) {
			t.Errorf("the instant at itself is %v, want %v", got, at)
		}
		if got := refreshInstant(va, h, at.Add(-time.Nanosecond)); !got.Equal(at.Add(-h)) {
			t.Errorf("the instant just before %v is %v, want a period earlier", at, got)
		}
		long := refreshInstant(va, 2*h, now)
		if d := at.Sub(long); d%h != 0 { // on the grid of the shorter period
			t.Errorf("the doubled period's instant %v is off the grid of %v", long, at)
		}
		phases[time.Duration(at.UnixNano()%int64(h))] = true
	}
	if len(phases) < 40 {
		t.Errorf("only %d distinct phases among 50 VAs", len(phases))
	}
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{
		"hold: average spare KV 0.11 > trigger 0.10": "hold: average spare KV #.# > trigger #.#",
		"change in flight for 1m30s":                 "change in flight for #m#s",
		"model-00012-v3":                             "model-#-v#",
		"no figures":                                 "no figures",
	} {
		if got := maskDigits(in); got != want {
			t.Errorf("maskDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHeartbeatStaysWithinAQuarterOfTheWriteBudget replays the heartbeat of a whole fleet
// written in one cycle (as after a start) over two hours of 10-second cycles, at the
// default write budget of 50 a second: for every fleet size, the refreshes take on
// average at most a quarter of the budget, never more than half of one cycle's, and every
// lastRunTime stays younger than the heartbeat in force (plus one cycle), and none
// refreshes in the first third of it; up to 2,500 VAs that heartbeat is the configured one.
func TestHeartbeatStaysWithinAQuarterOfTheWriteBudget(t *testing.T) {
	const (
		qps       = 50.0
		interval  = 10 * time.Second
		heartbeat = 5 * time.Minute
		run       = 2 * time.Hour
	)
	for _, n := range []int{100, 1000, 2500, 10000} {
		w := NewWriter(nil, nil, nil, WithHeartbeat(heartbeat), WithWriteRate(qps))
		w.SetFleetSize(n)
		h := w.Heartbeat()
		if n <= 2500 && h != heartbeat {
			t.Errorf("%d VAs: heartbeat %v, want the configured %v", n, h, heartbeat)
		}
		vas := make([]*v1alpha1.VariantAutoscaling, n)
		last := make([]time.Time, n)
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		uids := rand.New(rand.NewPCG(uint64(n), 17)) // random UIDs, as the API server makes them
		for i := range vas {
			vas[i] = &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{UID: types.UID(fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x",
				uids.Uint32(), uids.Uint32()&0xffff, uids.Uint32()&0xfff, uids.Uint32()&0xfff, uids.Uint64()&0xffffffffffff))}}
			last[i] = t0
		}
		total, worst := 0, 0
		var oldest time.Duration
		first := t0.Add(run)
		for now := t0.Add(interval); !now.After(t0.Add(run)); now = now.Add(interval) {
			writes := 0
			for i, va := range vas {
				if w.heartbeatDue(va, last[i], now) {
					last[i] = now
					writes++
					if now.Before(first) {
						first = now
					}
				}
				oldest = max(oldest, now.Sub(last[i]))
			}
			total += writes
			worst = max(worst, writes)
		}
		rate := float64(total) / run.Seconds()
		t.Logf("%d VAs: heartbeat %v, %.1f refreshes a second on average, at most %d in one cycle, lastRunTime at most %v old, the first refresh %v after the start", n, h, rate, worst, oldest, first.Sub(t0))
		if rate > qps/4 {
			t.Errorf("%d VAs: %.1f heartbeat writes a second on average, want at most a quarter of the budget (%.1f)", n, rate, qps/4)
		}
		if limit := int(qps * interval.Seconds() / 2); worst > limit {
			t.Errorf("%d VAs: %d heartbeat writes in one cycle, want at most half of a cycle's budget (%d)", n, worst, limit)
		}
		if first.Sub(t0) < h/3 {
			t.Errorf("%d VAs: the first refresh %v after the start, want none in the first third of the heartbeat %v", n, first.Sub(t0), h)
		}
		if oldest > h+interval {
			t.Errorf("%d VAs: a lastRunTime %v old, want at most the heartbeat %v plus one cycle", n, oldest, h)
		}
	}
}

// TestTinyHeartbeatsNeverDivideByZero: STATUS_HEARTBEAT_INTERVAL accepts any positive
// duration, and two thirds of 1 ns is 0 in integer nanoseconds; the refresh period must
// stay positive so the phase arithmetic never divides by zero.
func TestTinyHeartbeatsNeverDivideByZero(t *testing.T) {
	va := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{UID: "uid-tiny"}}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, h := range []time.Duration{time.Nanosecond, 2 * time.Nanosecond, 3 * time.Nanosecond} {
		w := &Writer{heartbeat: h}
		if !w.heartbeatDue(va, now.Add(-time.Second), now) {
			t.Errorf("heartbeat %v: a lastRunTime a second old is not due for a refresh", h)
		}
	}
}
