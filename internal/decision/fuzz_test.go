package decision

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// bytesIn hands out fuzz bytes one at a time; exhausted input reads as zero.
type bytesIn struct {
	b []byte
	i int
}

func (r *bytesIn) u8() int {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return int(r.b[r.i-1])
}

// num returns a float in [0, scale*1.275], or NaN, +Inf or -1 for three byte values.
func (r *bytesIn) num(scale float64) float64 {
	switch b := r.u8(); b {
	case 255:
		return math.NaN()
	case 254:
		return math.Inf(1)
	case 253:
		return -1
	default:
		return float64(b) / 200 * scale
	}
}

func (r *bytesIn) optInt(mod int) *int {
	if r.u8()%3 != 0 {
		return nil
	}
	return ptr(r.u8() % mod)
}

var fuzzNames = []string{"a", "b", "c", "d", "e"}

// fuzzSnapshot decodes any byte string into a snapshot, valid or not.
func fuzzSnapshot(data []byte) Snapshot {
	r := &bytesIn{b: data}
	s := Snapshot{ModelID: "m", Namespace: "ns", Now: t0, Saturation: DefaultSaturationConfig()}
	for range r.u8() % 5 {
		s.Variants = append(s.Variants, fuzzVariant(r))
	}
	for i := range r.u8() % 12 {
		s.Replicas = append(s.Replicas, fuzzReplica(r, i))
	}
	s.Signals = SignalStatus{Usable: r.u8()%4 != 0, Reason: "MetricsMissing"}
	if r.u8()%2 == 1 {
		s.Saturation.Version = SaturationV2
	}
	if r.u8()%4 == 0 {
		s.Saturation.KvCacheThreshold = r.num(1)
		s.Saturation.QueueSpareTrigger = r.num(5)
	}
	s.Zero = ZeroConfig{Enabled: r.u8()%2 == 1, RetentionPeriod: time.Duration(r.u8()%3) * 5 * time.Minute}
	s.SuccessWindow = time.Duration(r.u8()%3) * 5 * time.Minute
	s.MaxSampleAge = time.Duration(r.u8()%3) * time.Minute
	if r.u8()%2 == 1 {
		s.FreeGPUs = map[string]int{"acc-a": r.u8() % 4, "acc-b": r.u8() % 4}
	}
	s.WaitingDemand = Demand{Known: r.u8()%2 == 1, Requests: r.u8() % 4}
	s.Interval = time.Duration(r.u8()%3) * 30 * time.Second
	s.ModelSuccesses = float64(r.u8() % 3)
	if r.u8()%3 == 0 {
		s.Saturation.MaxScaleUpStep = r.u8() % 3
		s.Saturation.InFlightExpiryIntervals = r.u8() % 3
	}
	return s
}

func fuzzVariant(r *bytesIn) VariantState {
	name := fuzzNames[r.u8()%4]
	return VariantState{
		Name: name, Accelerator: "acc-" + name, Cost: float64(r.u8()%4) * 5,
		CurrentReplicas: r.u8() % 5, ReadyReplicas: r.u8() % 6, PreviousDesired: r.optInt(6),
		GPUsPerReplica: r.u8() % 3, MinReplicas: r.optInt(3), MaxReplicas: r.optInt(6),
		TokenCapacity: float64(r.u8()%3) * 5000,
		InFlightSince: t0.Add(-time.Duration(r.u8()%4) * 45 * time.Second),
		Scaler:        fuzzScaler(r),
	}
}

// fuzzScaler is an HPA or ScaledObject on the target one time in three.
func fuzzScaler(r *bytesIn) *ScalerBounds {
	if r.u8()%3 != 0 {
		return nil
	}
	lo := r.u8() % 3
	return &ScalerBounds{Kind: "HorizontalPodAutoscaler", Name: "hpa", MinReplicas: lo, MaxReplicas: lo + r.u8()%4}
}

func fuzzReplica(r *bytesIn, i int) ReplicaSignals {
	return ReplicaSignals{
		Variant: fuzzNames[r.u8()%5], Pod: fmt.Sprintf("p%d", i%4),
		KvCacheUsage: r.num(1), Waiting: r.num(8), Running: float64(r.u8() % 3),
		NumGPUBlocks: int64(r.u8()%3) * 500, BlockSize: 16, AvgInputTokens: r.num(2000),
		SuccessCount: float64(r.u8() % 2), SampleTime: t0.Add(-time.Duration(r.u8()%4) * time.Minute),
	}
}

// shuffled returns the snapshot with variants and replicas in another order.
func shuffled(s Snapshot) Snapshot {
	s.Variants = slices.Clone(s.Variants)
	slices.Reverse(s.Variants)
	rs := slices.Clone(s.Replicas)
	if len(rs) > 1 {
		rs = append(rs[1:], rs[0])
	}
	slices.Reverse(rs)
	s.Replicas = rs
	return s
}

// boundsOf are the bounds a variant's desired count must respect: the VA's optional
// min/max intersected with its autoscaler's; where they do not intersect, the
// autoscaler's alone (the target never leaves them).
func boundsOf(v VariantState) (lo, hi int) {
	lo, hi = 0, math.MaxInt
	if v.MinReplicas != nil {
		lo = *v.MinReplicas
	}
	if v.MaxReplicas != nil {
		hi = *v.MaxReplicas
	}
	if sc := v.Scaler; sc != nil {
		lo, hi = max(lo, sc.MinReplicas), min(hi, sc.MaxReplicas)
		if lo > hi {
			lo, hi = sc.MinReplicas, sc.MaxReplicas
			if v.MinReplicas != nil && *v.MinReplicas <= sc.MaxReplicas {
				lo = max(lo, *v.MinReplicas)
			}
			if v.MaxReplicas != nil && *v.MaxReplicas >= sc.MinReplicas {
				hi = min(hi, *v.MaxReplicas)
			}
		}
	}
	return lo, hi
}

// clampTo applies a variant's bounds to n, as the core must.
func clampTo(n int, v VariantState) int {
	lo, hi := boundsOf(v)
	return max(lo, min(n, hi))
}

// checkInvariants asserts the properties every decision must have.
func checkInvariants(t *testing.T, s Snapshot) {
	d, err := Decide(s)
	d2, err2 := Decide(shuffled(s))
	if fmt.Sprintf("%+v %v", d, err) != fmt.Sprintf("%+v %v", d2, err2) {
		t.Fatalf("not deterministic under reordering:\n%+v %v\n%+v %v", d, err, d2, err2)
	}
	if err != nil {
		if !errors.Is(err, ErrInvalidSnapshot) {
			t.Fatalf("error %v does not wrap ErrInvalidSnapshot", err)
		}
		return
	}
	byName := map[string]VariantState{}
	for _, v := range s.Variants {
		byName[v.Name] = v
	}
	if len(d.Variants) != len(s.Variants) {
		t.Fatalf("%d decisions for %d variants", len(d.Variants), len(s.Variants))
	}
	total := 0
	for _, v := range s.Variants {
		total += v.CurrentReplicas
	}
	for _, vd := range d.Variants {
		checkVariant(t, s, d, total, vd, byName[vd.Name])
	}
}

// checkVariant asserts bounds and the no-signal rules for one variant.
func checkVariant(t *testing.T, s Snapshot, d Decision, total int, vd VariantDecision, v VariantState) {
	if vd.DesiredReplicas < 0 {
		t.Fatalf("negative desired: %+v", vd)
	}
	if vd.DesiredReplicas != clampTo(vd.DesiredReplicas, v) {
		t.Fatalf("desired %d out of bounds min=%v max=%v", vd.DesiredReplicas, v.MinReplicas, v.MaxReplicas)
	}
	if vd.Action != actionFor(vd.CurrentReplicas, vd.DesiredReplicas) {
		t.Fatalf("action %s inconsistent: %+v", vd.Action, vd)
	}
	if !s.Signals.Usable && total > 0 && !d.SafetyNet {
		t.Fatalf("unusable signals without safety net: %+v", d)
	}
	if sc := v.Scaler; sc != nil && (vd.DesiredReplicas < sc.MinReplicas || vd.DesiredReplicas > sc.MaxReplicas) {
		t.Fatalf("desired %d outside the autoscaler's bounds [%d, %d]: %+v", vd.DesiredReplicas, sc.MinReplicas, sc.MaxReplicas, vd)
	}
	if d.Analysis.Analyzer == AnalyzerSaturationV2 && !d.SafetyNet && d.Proactive == nil { // HYBRID sizes by its own model
		base := v.CurrentReplicas
		if v.PreviousDesired != nil {
			base = *v.PreviousDesired
		}
		lo, _ := boundsOf(v)
		step := max(s.Saturation.Effective().MaxScaleUpStep, v.CurrentReplicas)
		if vd.DesiredReplicas > max(base+step, lo) {
			t.Fatalf("v2 step from %d to %d exceeds the step bound %d: %+v", base, vd.DesiredReplicas, step, vd)
		}
	}
	if d.SafetyNet {
		// No new decision without usable signals: the previous desired if any, else
		// current, within bounds; never lower than both of those.
		fallback := v.CurrentReplicas
		if v.PreviousDesired != nil {
			fallback = *v.PreviousDesired
		}
		if vd.DesiredReplicas != clampTo(fallback, v) || vd.FallbackSource == "" {
			t.Fatalf("safety net desired %d, want %d from %q: %+v", vd.DesiredReplicas, clampTo(fallback, v), vd.FallbackSource, vd)
		}
	}
}

// FuzzDecide checks the invariants on any snapshot; its seeds run as a normal test.
func FuzzDecide(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{2, 0, 5, 2, 2, 0, 1, 0, 0, 0, 0, 1, 1, 5, 2, 2, 0, 1, 0, 0, 0, 0, 4, 0, 130, 0, 1, 1, 1, 0, 150, 0, 1, 1, 1, 1})
	f.Add([]byte{3, 0, 1, 3, 3, 0, 3, 1, 1, 1, 0, 1, 3, 4, 4, 1, 2, 1, 2, 2, 1, 2, 0, 2, 1, 9, 0, 255, 3, 1, 2, 100, 1, 0, 1, 1, 180, 7, 0, 0, 0, 0, 0, 2, 254, 0, 1, 0, 5, 1, 0, 0, 1, 1, 2, 1, 1, 1, 1, 1, 3})
	f.Add([]byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1})
	f.Add([]byte{4, 0, 2, 4, 4, 1, 1, 2, 1, 0, 2, 1, 3, 1, 3, 3, 1, 1, 1, 1, 2, 1, 4, 2, 2, 0, 1, 1, 0, 3, 0, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0,
		11, 0, 160, 0, 0, 2, 1, 1, 2, 1, 80, 9, 1, 1, 1, 1, 2, 0, 20, 2, 2, 2, 0, 2, 3, 0, 200, 0, 1, 1, 0, 1, 2, 1, 1, 1, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInvariants(t, fuzzSnapshot(data))
	})
}

// FuzzDecideCycle checks that a cycle with a shared inventory is order-independent and
// keeps every decision within bounds.
func FuzzDecideCycle(f *testing.F) {
	f.Add([]byte{2, 0, 5, 2, 2, 0, 1, 0, 0, 0, 0, 1}, []byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1}, uint8(1))
	f.Add([]byte{3, 1, 1, 3, 3, 0, 3, 1}, []byte{3, 1, 1, 3, 3, 0, 3, 1}, uint8(0))
	f.Fuzz(func(t *testing.T, a, b []byte, free uint8) {
		sa, sb := fuzzSnapshot(a), fuzzSnapshot(b)
		sb.ModelID = "other"
		pool := map[string]int{"acc-a": int(free % 4), "acc-b": int(free / 64)}
		r1 := DecideCycle([]Snapshot{sa, sb}, pool)
		r2 := DecideCycle([]Snapshot{shuffled(sb), shuffled(sa)}, pool)
		if fmt.Sprintf("%+v", r1) != fmt.Sprintf("%+v", r2) {
			t.Fatalf("cycle not deterministic:\n%+v\n%+v", r1, r2)
		}
		for _, res := range r1 {
			if res.Err != nil {
				continue
			}
			src := sa
			if res.ModelID == sb.ModelID {
				src = sb
			}
			for _, vd := range res.Decision.Variants {
				for _, v := range src.Variants {
					if v.Name == vd.Name && (vd.DesiredReplicas < 0 || vd.DesiredReplicas != clampTo(vd.DesiredReplicas, v)) {
						t.Fatalf("desired %d out of bounds for %+v", vd.DesiredReplicas, v)
					}
				}
			}
		}
	})
}
