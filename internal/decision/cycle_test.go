package decision

import (
	"errors"
	"fmt"
	"testing"
)

// model returns a snapshot of a one-variant model with the given KV use per replica.
func model(ns, id string, kvs ...float64) Snapshot {
	var rs []ReplicaSignals
	for i, kv := range kvs {
		rs = append(rs, replica("v", i, kv, 0))
	}
	s := snap([]VariantState{variant("v", 5, len(kvs))}, rs...)
	s.Namespace, s.ModelID = ns, id
	return s
}

// TestDecideCycleOrderAndErrors checks sorting, per-model errors and duplicates.
func TestDecideCycleOrderAndErrors(t *testing.T) {
	broken := model("ns", "broken", 0.5)
	broken.Variants = append(broken.Variants, broken.Variants[0])
	in := []Snapshot{model("ns2", "b", 0.9), model("ns1", "z", 0.5), broken, model("ns1", "a", 0.1, 0.1, 0.1), model("ns2", "dup", 0.5), model("ns2", "dup", 0.5)}
	out := DecideCycle(in, nil)
	var got []string
	for _, r := range out {
		got = append(got, fmt.Sprintf("%s/%s err=%v", r.Namespace, r.ModelID, r.Err != nil))
	}
	wantOrder := []string{"ns/broken err=true", "ns1/a err=false", "ns1/z err=false", "ns2/b err=false", "ns2/dup err=true", "ns2/dup err=true"}
	if fmt.Sprint(got) != fmt.Sprint(wantOrder) {
		t.Fatalf("order\n got %v\nwant %v", got, wantOrder)
	}
	for _, r := range out {
		if r.Err != nil && !errors.Is(r.Err, ErrInvalidSnapshot) {
			t.Fatalf("error %v does not wrap ErrInvalidSnapshot", r.Err)
		}
	}
	if out[1].Decision.Variants[0].DesiredReplicas != 2 || out[3].Decision.Variants[0].DesiredReplicas != 2 {
		t.Fatalf("models not decided: %+v / %+v", out[1].Decision, out[3].Decision)
	}
}

// TestDecideCycleMatchesDecide checks that without a shared pool a cycle is just Decide.
func TestDecideCycleMatchesDecide(t *testing.T) {
	in := []Snapshot{model("a", "m1", 0.9, 0.9), model("a", "m2", 0.1, 0.1, 0.1)}
	in[0].FreeGPUs = map[string]int{"acc-v": 0}
	out := DecideCycle(in, nil)
	for i, s := range in {
		d := mustDecide(t, s)
		if fmt.Sprintf("%+v", d) != fmt.Sprintf("%+v", out[i].Decision) {
			t.Fatalf("cycle and Decide differ:\n%+v\n%+v", d, out[i].Decision)
		}
	}
	if out[0].Decision.Variants[0].GPUShortfall != 1 {
		t.Fatalf("per-snapshot inventory ignored: %+v", out[0].Decision.Variants[0])
	}
}

// TestDecideCycleSharedPoolByNeed checks that the most needy model gets scarce GPUs
// first, whatever the names and input order.
func TestDecideCycleSharedPoolByNeed(t *testing.T) {
	mild := model("ns", "aaa-mild", 0.65, 0.75) // spare exactly at the trigger: need 0
	hot := model("ns", "zzz-hot", 0.95, 0.9)    // all saturated: need 1
	for _, in := range [][]Snapshot{{mild, hot}, {hot, mild}} {
		out := DecideCycle(in, map[string]int{"acc-v": 1})
		if out[0].Decision.Analysis.Need >= out[1].Decision.Analysis.Need {
			t.Fatalf("needs %v %v", out[0].Decision.Analysis.Need, out[1].Decision.Analysis.Need)
		}
		if got := out[1].Decision.Variants[0]; got.DesiredReplicas != 3 {
			t.Fatalf("hot model did not get the GPU: %+v", got)
		}
		if got := out[0].Decision.Variants[0]; got.DesiredReplicas != 2 || got.GPUShortfall != 1 {
			t.Fatalf("mild model should have been denied: %+v", got)
		}
	}
}
