package decision

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzSharer is a HYBRID model of A100s and H100s for a cycle that shares GPUs: its
// replicas, usage, rate, priority and bounds decoded from bytes.
func fuzzSharer(r *bytesIn, id string) Snapshot {
	s := hybridSnap(r.u8()%4, r.u8()%5, r.num(1), r.num(6), r.num(60))
	s.ModelID = id
	withPriority(&s, []int{0, 1, 5, 10}[r.u8()%4])
	if r.u8()%2 == 0 {
		s.Proactive.State.Since = t0.Add(-time.Hour)
	}
	for i := range s.Variants {
		s.Variants[i].GPUsPerReplica = 1 + r.u8()%2
		s.Variants[i].MinReplicas = r.optInt(3)
		s.Variants[i].MaxReplicas = r.optInt(6)
		s.Variants[i].Scaler = fuzzScaler(r)
		s.Variants[i].Leaving = r.u8() % 4 / 3
	}
	if r.u8()%3 == 0 { // saturation v2, on the replicas' KV-cache sizes
		s.Saturation.Version = SaturationV2
		for i := range s.Replicas {
			s.Replicas[i].NumGPUBlocks = map[string]int64{"a100": 400, "h100": 3200}[s.Replicas[i].Variant]
		}
	}
	return s
}

// FuzzHybridCycleSharing: HYBRID models sharing one GPU inventory, whatever they hold,
// use and plan, get decisions that do not depend on their order, stay within bounds,
// never grant more GPUs of an accelerator than the pool holds (beyond what a lower bound
// forces: a minimum stands whatever the GPUs), and keep every model at
// the capacity answer's count of the replicas it has, and at the capacity answer on every
// variant but for one replica a v1 model gives in place of one its scale-down took on
// another variant (swapGiver). A third of the models run saturation v2.
func FuzzHybridCycleSharing(f *testing.F) {
	f.Add([]byte{2, 4, 50, 0, 160, 1, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 1, 128, 0, 170, 1, 1, 0, 0, 0, 0, 0, 0, 0}, uint8(0))
	f.Add([]byte{3, 4, 60, 10, 200, 2, 0, 0, 1, 0, 0, 1, 0, 0}, []byte{1, 1, 200, 50, 250, 2, 1, 1, 0, 0, 1, 0, 0, 0}, uint8(17))
	f.Add([]byte{1, 3, 30, 0, 90, 3, 0, 1, 0, 1, 2, 0, 1, 0}, []byte{0, 2, 240, 90, 255, 0, 1, 0, 0, 0, 0, 0, 0, 0}, uint8(5))
	f.Fuzz(func(t *testing.T, a, b []byte, free uint8) {
		sa, sb := fuzzSharer(&bytesIn{b: a}, "first"), fuzzSharer(&bytesIn{b: b}, "second")
		pool := map[string]int{"acc-h100": int(free % 4), "acc-a100": int(free / 4 % 4)}
		r1 := DecideCycle([]Snapshot{sa, sb}, pool)
		r2 := DecideCycle([]Snapshot{shuffledHybrid(sb), shuffledHybrid(sa)}, pool)
		if !reflect.DeepEqual(r1, r2) {
			t.Fatalf("cycle depends on order:\n%+v\n%+v", r1, r2)
		}
		granted := map[string]int{}
		for _, res := range r1 {
			if res.Err != nil {
				if !errors.Is(res.Err, ErrInvalidSnapshot) {
					t.Fatalf("%s: %v", res.ModelID, res.Err)
				}
				continue // bounds decoded at odds with each other: rejected, as they should be
			}
			src := map[string]Snapshot{"first": sa, "second": sb}[res.ModelID]
			checkShared(t, src, res.Decision, granted)
		}
		for acc, n := range granted {
			if n > pool[acc] {
				t.Fatalf("%d %q GPUs granted, the pool holds %d:\n%+v", n, acc, pool[acc], r1)
			}
		}
	})
}

// checkShared checks one model's decision in a shared cycle and adds the GPUs its
// scale-ups take to granted.
func checkShared(t *testing.T, s Snapshot, d Decision, granted map[string]int) {
	t.Helper()
	states := map[string]VariantState{}
	for _, v := range s.Variants {
		states[v.Name] = v
	}
	capacity := map[string]int{}
	if d.Proactive != nil {
		for _, vo := range d.Proactive.Variants {
			capacity[vo.Name] = vo.CapacityAnswer
		}
	}
	floor, total, deficit, swapped := 0, 0, 0, false
	for _, vd := range d.Variants {
		swapped = swapped || strings.Contains(vd.Reason, "in place of the")
		v := states[vd.Name]
		if vd.DesiredReplicas != clampTo(vd.DesiredReplicas, v) {
			t.Fatalf("%s/%s: desired %d out of bounds for %+v", s.ModelID, vd.Name, vd.DesiredReplicas, v)
		}
		base := v.CurrentReplicas // replicas that hold GPUs already, or that a lower bound forces
		if v.PreviousDesired != nil {
			base = max(base, *v.PreviousDesired)
		}
		lo, _ := boundsOf(v)
		granted[v.Accelerator] += max(0, vd.DesiredReplicas-max(base, lo)) * v.GPUsPerReplica
		total += vd.DesiredReplicas
		if c, ok := capacity[vd.Name]; ok {
			f := clampTo(min(c, v.CurrentReplicas), v) // the bounds stand over the capacity answer
			floor += f
			deficit += max(0, f-vd.DesiredReplicas)
		}
	}
	if d.Proactive == nil || d.Proactive.Why != "" {
		return
	}
	if total < floor {
		t.Fatalf("%s keeps %d replicas, below the capacity answer's %d of those it has: %s\n%+v", s.ModelID, total, floor, d.Reason, d.Variants)
	}
	if deficit > 1 || deficit == 1 && (!swapped || d.Analysis.Analyzer != AnalyzerSaturationV1) {
		t.Fatalf("%s (%s) goes %d replica(s) below the capacity answer on its variants (swapped %v): %s\n%+v", s.ModelID, d.Analysis.Analyzer, deficit, swapped, d.Reason, d.Variants)
	}
}
