package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// hangingSignals stand for a metrics source that never answers: Collect returns only when
// its context ends, reporting every model unusable, as the collector does.
type hangingSignals struct {
	deadline time.Time
	err      error
}

func (h *hangingSignals) Collect(ctx context.Context, models []*inventory.Model, _ time.Time) map[ModelKey]ModelSignals {
	h.deadline, _ = ctx.Deadline()
	<-ctx.Done()
	h.err = ctx.Err()
	out := map[ModelKey]ModelSignals{}
	for _, m := range models {
		out[ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}] = ModelSignals{
			Status:   decision.SignalStatus{Reason: "PrometheusError"},
			Message:  "collect from Prometheus: context deadline exceeded",
			Variants: map[string]VariantHealth{"v": {Reason: "PrometheusError", Message: "collect from Prometheus: context deadline exceeded"}},
		}
	}
	return out
}

// TestCollectionEndsOnTheCyclesDeadline: a source that never answers is cut off at three
// quarters of the interval, and the models' messages say the deadline passed.
func TestCollectionEndsOnTheCyclesDeadline(t *testing.T) {
	src := &hangingSignals{}
	e := New(Options{Signals: src, Settings: &settings{interval: 400 * time.Millisecond}})
	began := time.Now()
	got := e.collect(context.Background(), []*inventory.Model{{Namespace: "ns", ModelID: "m"}}, began)
	if !errors.Is(src.err, context.DeadlineExceeded) {
		t.Fatalf("the source's context ended with %v, want its deadline", src.err)
	}
	if d := src.deadline.Sub(began); d < 300*time.Millisecond || d > 1300*time.Millisecond {
		t.Fatalf("collection deadline %s after the cycle began, want 300ms (3/4 of the 400ms interval)", d)
	}
	sig := got[ModelKey{Namespace: "ns", ModelID: "m"}]
	want := "signals did not arrive within the cycle's collection deadline of 300ms (3/4 of GLOBAL_OPT_INTERVAL): collect from Prometheus"
	if sig.Status.Usable || !strings.HasPrefix(sig.Message, want) || !strings.HasPrefix(sig.Variants["v"].Message, want) {
		t.Fatalf("signals %+v, want unusable with the deadline named", sig)
	}
}

// TestRecoveriesRememberWhenSignalsCameBack: the time signals became usable again after
// a failure is kept until the next failure; models never seen failing have none.
func TestRecoveriesRememberWhenSignalsCameBack(t *testing.T) {
	r := newRecoveries()
	k, other := ModelKey{Namespace: "ns", ModelID: "m"}, ModelKey{Namespace: "ns", ModelID: "o"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, step := range []struct {
		key    ModelKey
		usable bool
		at     int
		want   time.Time
	}{
		{k, true, 0, time.Time{}},
		{k, false, 5, time.Time{}},
		{k, false, 10, time.Time{}},
		{k, true, 15, at(15)},
		{k, true, 20, at(15)},
		{other, true, 20, time.Time{}},
		{k, false, 25, time.Time{}},
		{k, true, 30, at(30)},
	} {
		if got := r.observe(step.key, step.usable, at(step.at)); !got.Equal(step.want) {
			t.Fatalf("at %ds usable=%v: back since %v, want %v", step.at, step.usable, got, step.want)
		}
	}
	r.retain(map[ModelKey]bool{other: true})
	if got := r.observe(k, true, at(35)); !got.IsZero() {
		t.Fatalf("a forgotten model remembers %v", got)
	}
}
