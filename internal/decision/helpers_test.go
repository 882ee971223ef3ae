package decision

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// t0 is the fixed decision time of the tests.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ptr(n int) *int { return &n }

// variant builds a variant with current == ready replicas and no previous desired.
func variant(name string, cost float64, replicas int) VariantState {
	return VariantState{Name: name, Accelerator: "acc-" + name, Cost: cost, CurrentReplicas: replicas, ReadyReplicas: replicas, GPUsPerReplica: 1}
}

// replica builds a fresh sample with the given KV usage and queue length.
func replica(variant string, i int, kv, waiting float64) ReplicaSignals {
	return ReplicaSignals{
		Variant: variant, Pod: fmt.Sprintf("%s-%d", variant, i), KvCacheUsage: kv, Waiting: waiting, Running: 1,
		NumGPUBlocks: 1000, BlockSize: 16, AvgInputTokens: 100, AvgOutputTokens: 200, SuccessCount: 50, SampleTime: t0,
	}
}

// snap builds a usable snapshot with the default configuration.
func snap(variants []VariantState, replicas ...ReplicaSignals) Snapshot {
	return Snapshot{
		ModelID: "meta/llama", Namespace: "prod", Variants: variants, Replicas: replicas,
		Signals: SignalStatus{Usable: true}, Saturation: DefaultSaturationConfig(),
		Zero: ZeroConfig{RetentionPeriod: DefaultRetentionPeriod}, SuccessWindow: DefaultRetentionPeriod, Now: t0,
	}
}

// mustDecide decides and fails the test on error.
func mustDecide(t testing.TB, s Snapshot) Decision {
	t.Helper()
	d, err := Decide(s)
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	return d
}

// want is the expected outcome for one variant; empty fields are not checked.
type want struct {
	desired int
	action  Action
	reason  string // substring the reason must contain
}

// check compares a decision with expectations per variant name.
func check(t *testing.T, d Decision, wants map[string]want) {
	t.Helper()
	for _, v := range d.Variants {
		w, ok := wants[v.Name]
		if !ok {
			continue
		}
		if v.DesiredReplicas != w.desired {
			t.Errorf("variant %s: desired %d, want %d (reason %q)", v.Name, v.DesiredReplicas, w.desired, v.Reason)
		}
		if w.action != "" && v.Action != w.action {
			t.Errorf("variant %s: action %s, want %s (reason %q)", v.Name, v.Action, w.action, v.Reason)
		}
		if w.reason != "" && !strings.Contains(v.Reason, w.reason) {
			t.Errorf("variant %s: reason %q does not contain %q", v.Name, v.Reason, w.reason)
		}
	}
	if len(d.Variants) < len(wants) {
		t.Errorf("decision has %d variants, expected at least %d", len(d.Variants), len(wants))
	}
}

// variantByName returns a variant's decision.
func variantByName(t *testing.T, d Decision, name string) VariantDecision {
	t.Helper()
	for _, v := range d.Variants {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("variant %s missing from decision", name)
	return VariantDecision{}
}
