package scale

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/internal/engine"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// smallShape is the fleet of the request-count test: 100 VAs (19 models of 5 variants and
// 5 single-variant models), one Pod each.
var smallShape = shape{Namespaces: 4, Models: 19, Variants: 5, Solo: 5, PodsPerVariant: 1}

// testWriter sends progress lines to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestSteadyCycleRequestCounts runs the manager on 100 VAs whose load does not change and
// counts what it asks of the API server, cycle by cycle, through a proxy in front of the
// real kube-apiserver: a steady cycle reads everything from the informer cache and writes
// nothing (no GET, no PATCH: status is written only when its content changes; the
// heartbeat, which no VA reaches in its first third, is set to an hour so that none falls
// in the run however slowly it goes). Then one single-variant model saturates: the cycle that
// decides 1 -> 2 makes exactly one status PATCH and one event; the next, which now says the
// change is in flight, one PATCH; the one after, nothing.
func TestSteadyCycleRequestCounts(t *testing.T) {
	const interval = 3 * time.Second
	ctx := context.Background()
	st := startStack(t, smallShape, time.Second, testWriter{t})
	st.startManager(t, interval, "STATUS_HEARTBEAT_INTERVAL=1h")
	gap := interval / 2
	// waitCycles waits until n cycles have started and returns them.
	waitCycles := func(n int) []cycle {
		t.Helper()
		var cs []cycle
		localenvtest.Eventually(t, time.Duration(n+10)*interval, func() error {
			cs = st.cycles(gap)
			if len(cs) < n {
				return fmt.Errorf("%d cycles so far, waiting for %d", len(cs), n)
			}
			return nil
		})
		return cs
	}
	report := func(cs []cycle) string {
		var b strings.Builder
		for i, c := range cs {
			fmt.Fprintf(&b, "\n  cycle %d at +%.1fs: %d PromQL queries; API: %s", i+1, c.start.Sub(cs[0].start).Seconds(), c.promQueries, requestsText(c.api))
		}
		return b.String()
	}

	// Cycle 1 writes every status; cycles 4 and 5 are steady.
	cs := waitCycles(6)
	t.Logf("cycles:%s", report(cs))
	for _, i := range []int{3, 4} {
		if len(cs[i].api) != 0 {
			t.Errorf("steady cycle %d made API requests: %s, want none", i+1, requestsText(cs[i].api))
		}
	}

	// One single-variant model saturates.
	solo := st.variants[len(st.variants)-1]
	changedAt := time.Now()
	for _, p := range st.podsOf[solo.name] {
		st.exp.set(p, load{kv: 0.95, waiting: 0})
	}
	statusPath := fmt.Sprintf("/apis/llmd.ai/v1alpha1/namespaces/%s/variantautoscalings/%s/status", solo.ns, solo.name)
	k := -1
	localenvtest.Eventually(t, 20*interval, func() error {
		cs = st.cycles(gap)
		k = -1
		for _, r := range st.apiProxy.Requests() {
			if r.Method == "PATCH" && r.Path == statusPath && r.Start.After(changedAt) {
				for i, c := range cs {
					if !r.Start.Before(c.start) && r.Start.Before(c.end) {
						k = i
					}
				}
				break
			}
		}
		if k < 0 || len(cs) < k+4 {
			return fmt.Errorf("waiting for the change's cycle and three more (%d cycles, change in cycle %d)", len(cs), k+1)
		}
		return nil
	})
	t.Logf("cycles after the change (in cycle %d):%s", k+1, report(cs))
	want := []map[string]int{
		{"patch variantautoscalings/status": 1, "create events": 1},
		{"patch variantautoscalings/status": 1},
		{},
	}
	for j, w := range want {
		if got := cs[k+j].api; !maps.Equal(got, w) {
			t.Errorf("cycle %d (change + %d) made API requests: %s, want %s", k+j+1, j, requestsText(got), requestsText(w))
		}
	}
	// The change was 1 -> 2 (the next, 2 -> 3 once the change in flight expires, may
	// already be under way: nothing scales the target here).
	localenvtest.Eventually(t, 30*time.Second, func() error {
		var list eventsv1.EventList
		if err := st.admin.List(ctx, &list, client.InNamespace(solo.ns)); err != nil {
			return err
		}
		for _, e := range list.Items {
			if e.Regarding.Name == solo.name && e.Reason == engine.ReasonDesiredChanged && strings.HasPrefix(e.Note, "Desired replicas 1 -> 2") {
				return nil
			}
		}
		return fmt.Errorf("no %s event \"Desired replicas 1 -> 2\" on %s", engine.ReasonDesiredChanged, solo.name)
	})
}

// cycles splits what the proxies recorded so far into decision cycles.
func (st *stack) cycles(gap time.Duration) []cycle {
	return cycles(st.promProxy.Requests(), st.apiProxy.Requests(), st.apiProxy.BytesBetween, st.promProxy.BytesBetween, gap, time.Now())
}
