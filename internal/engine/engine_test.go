package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// countingReader is an empty inventory that counts cycles (one VA list per cycle).
type countingReader struct {
	mu     sync.Mutex
	cycles int
	onList func() // called at the start of each cycle, when set
}

func (r *countingReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return fmt.Errorf("not used")
}

func (r *countingReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if _, ok := list.(*v1alpha1.VariantAutoscalingList); ok {
		if r.onList != nil {
			r.onList()
		}
		r.mu.Lock()
		r.cycles++
		r.mu.Unlock()
	}
	return nil
}

func (r *countingReader) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cycles
}

// settings is a fixed configuration whose interval a test can change.
type settings struct {
	interval  time.Duration
	intervals chan time.Duration
}

func (s *settings) Interval() time.Duration { return s.interval }
func (s *settings) IntervalChanges() (<-chan time.Duration, func()) {
	return s.intervals, func() {}
}
func (s *settings) Changes() (<-chan struct{}, func()) { return make(chan struct{}), func() {} }
func (s *settings) SaturationFor(string, string) decision.SaturationConfig {
	return decision.DefaultSaturationConfig()
}
func (s *settings) ZeroFor(string, string) decision.ZeroConfig { return decision.ZeroConfig{} }

// armingClock is a fake clock that reports every time the engine arms its timer. The
// engine arms it after each cycle and when the interval changes, and then blocks until
// the clock, a trigger or a setting moves it, so an arming is exactly the moment a test
// may look: the cycle before it is complete and no other can start on its own.
type armingClock struct {
	*clocktesting.FakeClock
	armed chan time.Duration
}

func newArmingClock() *armingClock {
	return &armingClock{FakeClock: clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), armed: make(chan time.Duration, 16)}
}

func (c *armingClock) NewTimer(d time.Duration) clock.Timer {
	t := c.FakeClock.NewTimer(d)
	c.armed <- d
	return &armingTimer{Timer: t, armed: c.armed}
}

// armingTimer reports its re-arming.
type armingTimer struct {
	clock.Timer
	armed chan time.Duration
}

func (t *armingTimer) Reset(d time.Duration) bool {
	ok := t.Timer.Reset(d)
	t.armed <- d
	return ok
}

// waitArmed waits until the engine arms its timer for want, then checks the cycle count.
// The deadline only guards against a hang; it is not what the test synchronises on.
func waitArmed(t *testing.T, c *armingClock, r *countingReader, want time.Duration, cycles int) {
	t.Helper()
	select {
	case d := <-c.armed:
		if d != want {
			t.Fatalf("timer armed for %s, want %s", d, want)
		}
	case <-time.After(time.Minute):
		t.Fatalf("the engine never armed its timer (%d cycles so far)", r.count())
	}
	if got := r.count(); got != cycles {
		t.Fatalf("%d cycles, want %d", got, cycles)
	}
}

// The engine decides at once, then every interval on its clock, early on a trigger, and
// with the new period as soon as the interval changes; never before the configuration is
// synced.
func TestEngineCyclesOnIntervalTriggerAndIntervalChange(t *testing.T) {
	clk := newArmingClock()
	var synced atomic.Bool
	reader := &countingReader{onList: func() {
		if !synced.Load() {
			t.Error("a cycle ran before the configuration was synced")
		}
	}}
	st := &settings{interval: time.Minute, intervals: make(chan time.Duration, 1)}
	syncedCh := make(chan struct{})
	e := New(Options{Reader: reader, Settings: st, Clock: clk, ConfigSynced: syncedCh})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Start(ctx) }()

	// The configuration arrives by a send the engine must receive: it completes only
	// when the engine is waiting for it, and a cycle before it is caught by onList.
	synced.Store(true)
	select {
	case syncedCh <- struct{}{}:
	case <-time.After(time.Minute):
		t.Fatal("the engine never waited for the configuration")
	}
	waitArmed(t, clk, reader, time.Minute, 1) // at once

	clk.Step(59 * time.Second)
	if !clk.HasWaiters() || reader.count() != 1 {
		t.Fatalf("after 59s: waiters %v, %d cycles; want the timer still pending and 1 cycle", clk.HasWaiters(), reader.count())
	}
	clk.Step(time.Second)
	waitArmed(t, clk, reader, time.Minute, 2) // one interval later

	e.Trigger("target created")
	waitArmed(t, clk, reader, time.Minute, 3) // early, on the trigger

	st.intervals <- 10 * time.Second
	waitArmed(t, clk, reader, 10*time.Second, 3) // re-timed, no cycle
	clk.Step(10 * time.Second)
	waitArmed(t, clk, reader, 10*time.Second, 4) // the new interval, not the old minute

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Start returned %v", err)
	}
	if got := reader.count(); got != 4 || len(clk.armed) != 0 {
		t.Errorf("after stopping: %d cycles and %d armings pending, want 4 and none", got, len(clk.armed))
	}
}
