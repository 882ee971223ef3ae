package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// countingReader is an empty inventory that counts cycles (one VA list per cycle).
type countingReader struct {
	mu     sync.Mutex
	cycles int
}

func (r *countingReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return fmt.Errorf("not used")
}

func (r *countingReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if _, ok := list.(*v1alpha1.VariantAutoscalingList); ok {
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

func waitCycles(t *testing.T, r *countingReader, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.count() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d cycles, want %d", r.count(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// No extra cycle sneaks in.
	time.Sleep(20 * time.Millisecond)
	if got := r.count(); got != want {
		t.Fatalf("%d cycles, want exactly %d", got, want)
	}
}

// The engine decides at once, then every interval on its clock, early on a trigger, and
// with the new period as soon as the interval changes.
func TestEngineCyclesOnIntervalTriggerAndIntervalChange(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	reader := &countingReader{}
	st := &settings{interval: time.Minute, intervals: make(chan time.Duration, 1)}
	synced := make(chan struct{})
	e := New(Options{Reader: reader, Settings: st, Clock: clock, ConfigSynced: synced})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start returned %v", err)
		}
	}()

	time.Sleep(20 * time.Millisecond)
	if reader.count() != 0 {
		t.Fatal("a cycle ran before the configuration was synced")
	}
	close(synced)
	waitCycles(t, reader, 1) // at once

	clock.Step(59 * time.Second)
	waitCycles(t, reader, 1)
	clock.Step(time.Second)
	waitCycles(t, reader, 2) // one interval later

	e.Trigger("target created")
	waitCycles(t, reader, 3) // early, on the trigger

	st.intervals <- 10 * time.Second
	for !clock.HasWaiters() {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	clock.Step(10 * time.Second)
	waitCycles(t, reader, 4) // the next cycle follows the new interval, not the old minute
}
