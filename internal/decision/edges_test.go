package decision

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// The tests in this file pin the boundaries, figures and tie-breaks that the rule tests
// left open: each was found by a mutation of the core (internal/decision/testdata/
// mutations.yaml) that no test noticed.

// TestV1SaturationAtTheQueueThreshold: waiting requests equal to queueLengthThreshold
// saturate a replica by themselves, at low KV usage. With 5 waiting on both replicas, both
// are saturated and the scale-up says so; read as non-saturated they would give a spare
// queue of 0 and a different reason.
func TestV1SaturationAtTheQueueThreshold(t *testing.T) {
	d := mustDecide(t, snap([]VariantState{variant("h100", 5, 2)}, replica("h100", 0, 0.1, 5), replica("h100", 1, 0.1, 5)))
	if a := d.Analysis; a.SaturatedReplicas != 2 || a.NonSaturatedReplicas != 0 {
		t.Fatalf("saturated %d, non-saturated %d; want both replicas saturated by their queue", a.SaturatedReplicas, a.NonSaturatedReplicas)
	}
	check(t, d, map[string]want{"h100": {3, ActionScaleUp, "all 2 sampled replica(s) saturated (kv >= 0.80 or queue >= 5.0)"}})
	// Just below the threshold the replicas are not saturated.
	d = mustDecide(t, snap([]VariantState{variant("h100", 5, 2)}, replica("h100", 0, 0.1, 4.9), replica("h100", 1, 0.1, 4.9)))
	if d.Analysis.SaturatedReplicas != 0 {
		t.Fatalf("4.9 waiting saturated a replica: %+v", d.Analysis)
	}
}

// TestV1SpareQueueAtTheTrigger: like the worked KV example, an average spare queue equal
// to queueSpareTrigger scales up (2 waiting of 5: spare 3.0, trigger 3).
func TestV1SpareQueueAtTheTrigger(t *testing.T) {
	d := mustDecide(t, snap([]VariantState{variant("h100", 5, 2)}, replica("h100", 0, 0.1, 2), replica("h100", 1, 0.1, 2)))
	check(t, d, map[string]want{"h100": {3, ActionScaleUp, "average spare queue 3.00 <= trigger 3.0"}})
}

// TestV1NeedIsTheRelativeShortfall: Need is the larger of the two spares' shortfalls
// relative to their triggers, so models are ranked by how short they are, not only
// short or not.
func TestV1NeedIsTheRelativeShortfall(t *testing.T) {
	cases := []struct {
		name    string
		kv, q   float64
		want    float64
		trigger string
	}{
		{"KV spare 0.05 of trigger 0.10: half short", 0.75, 0, 0.5, "kv"},
		{"KV spare 0.02 of trigger 0.10", 0.78, 0, 0.8, "kv"},
		{"queue spare 1.5 of trigger 3: half short", 0.1, 3.5, 0.5, "queue"},
		{"queue spare 2.4 of trigger 3", 0.1, 2.6, 0.2, "queue"},
		{"both short: the larger counts", 0.78, 3.5, 0.8, "both"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDecide(t, snap([]VariantState{variant("h100", 5, 2)}, replica("h100", 0, tc.kv, tc.q), replica("h100", 1, tc.kv, tc.q)))
			if !d.Analysis.ScaleUpNeeded || math.Abs(d.Analysis.Need-tc.want) > 1e-9 {
				t.Fatalf("need %v (scale-up %v), want %v", d.Analysis.Need, d.Analysis.ScaleUpNeeded, tc.want)
			}
		})
	}
}

// TestSharedGPUsGoToTheModelShortOfMore: with one free GPU, the model further below its
// trigger gets it, whatever the names and input order; both are short, neither saturated.
func TestSharedGPUsGoToTheModelShortOfMore(t *testing.T) {
	slightly := model("ns", "aaa-slightly", 0.72, 0.72) // spare 0.08: need 0.2
	very := model("ns", "zzz-very", 0.78, 0.78)         // spare 0.02: need 0.8
	for _, in := range [][]Snapshot{{slightly, very}, {very, slightly}} {
		out := DecideCycle(in, map[string]int{"acc-v": 1})
		if got := out[1].Decision.Variants[0]; got.DesiredReplicas != 3 {
			t.Fatalf("the model short of more did not get the GPU: %+v (needs %v, %v)", got, out[0].Decision.Analysis.Need, out[1].Decision.Analysis.Need)
		}
		if got := out[0].Decision.Variants[0]; got.DesiredReplicas != 2 || got.GPUShortfall != 1 {
			t.Fatalf("the model short of less should wait: %+v", got)
		}
	}
}

// TestCostsWithinToleranceAreEqual: costs that differ only by float noise are equal, so
// the tie-break (most spare KV) decides, not the noise, whichever variant the noise
// makes dearer.
func TestCostsWithinToleranceAreEqual(t *testing.T) {
	for _, noisy := range []string{"a", "b"} {
		t.Run("noise on "+noisy, func(t *testing.T) {
			cost := map[string]float64{"a": 10, "b": 10}
			cost[noisy] += 1e-12
			spare := map[string]float64{"a": 0.78, "b": 0.78} // spare 0.02
			spare[noisy] = 0.72                               // spare 0.08: the one to choose
			other := map[string]string{"a": "b", "b": "a"}[noisy]
			s := snap([]VariantState{variant("a", cost["a"], 2), variant("b", cost["b"], 2)},
				replica("a", 0, spare["a"], 0), replica("a", 1, spare["a"], 0),
				replica("b", 0, spare["b"], 0), replica("b", 1, spare["b"], 0))
			check(t, mustDecide(t, s), map[string]want{noisy: {3, ActionScaleUp, ""}, other: {2, ActionHold, ""}})
		})
	}
}

// TestSaturatedReplicaCountsAsNoSpareInTheTieBreak: a variant's spare KV for the
// tie-break averages over all its replicas, a saturated one counting as zero spare. Here
// a (0 and 0.50 of spare: 0.25) has less than b (0.30 on each of four), so b gains the
// replica; a average that left the saturated replica out would rank a first.
func TestSaturatedReplicaCountsAsNoSpareInTheTieBreak(t *testing.T) {
	s := snap([]VariantState{variant("a", 10, 2), variant("b", 10, 4)},
		replica("a", 0, 0.95, 0), replica("a", 1, 0.30, 3),
		replica("b", 0, 0.50, 3), replica("b", 1, 0.50, 3), replica("b", 2, 0.50, 3), replica("b", 3, 0.50, 3)) // spare queue 2 <= 3: scale up
	check(t, mustDecide(t, s), map[string]want{"a": {2, ActionHold, ""}, "b": {5, ActionScaleUp, "cheapest variant b"}})
}

// v2Variety is a v2 model of one variant whose three replicas have different KV caches:
// 1000, 2000 and 4000 blocks of 16 tokens, so 12800, 25600 and 51200 tokens of capacity
// at the 0.80 threshold; its capacity per replica is the median, 25600.
func v2Variety(kv float64, waiting float64) Snapshot {
	s := snap([]VariantState{variant("a100", 10, 3)},
		tokReplica("a100", 0, 1000, kv, waiting, 1000), tokReplica("a100", 1, 2000, kv, waiting, 1000), tokReplica("a100", 2, 4000, kv, waiting, 1000))
	s.Saturation.Version = SaturationV2
	return s
}

// TestV2CapacityIsTheMedianReplica: replicas with different KV caches give the variant
// the median capacity, neither the smallest nor the largest.
func TestV2CapacityIsTheMedianReplica(t *testing.T) {
	d := mustDecide(t, v2Variety(0.9, 4))
	if got, want := d.Analysis.SupplyTokens, 3*25600.0; math.Abs(got-want) > 0.01 {
		t.Fatalf("supply %.0f tokens, want 3 x the median 25600 = %.0f", got, want)
	}
	if v := variantByName(t, d, "a100"); !strings.Contains(v.Reason, "25600 tokens per replica") {
		t.Fatalf("reason %q does not size replicas at the median 25600 tokens", v.Reason)
	}
}

// TestV2SupplyCountsReadyReplicasOnly: spare capacity is Σready × capacity; pending
// replicas are capacity on its way, never supply that could be removed.
func TestV2SupplyCountsReadyReplicasOnly(t *testing.T) {
	s := snap([]VariantState{variant("a100", 10, 4)}, tokReplica("a100", 0, 1000, 0.1, 0, 1000), tokReplica("a100", 1, 1000, 0.1, 0, 1000))
	s.Variants[0].ReadyReplicas = 2 // two of four are still starting
	s.Saturation.Version = SaturationV2
	d := mustDecide(t, s)
	if got, want := d.Analysis.SupplyTokens, 2*12800.0; math.Abs(got-want) > 0.01 {
		t.Fatalf("supply %.0f tokens, want the 2 ready replicas' %.0f", got, want)
	}
	if got, want := d.Analysis.AnticipatedSupplyTokens, 4*12800.0; math.Abs(got-want) > 0.01 {
		t.Fatalf("anticipated supply %.0f tokens, want all 4 replicas' %.0f", got, want)
	}
}

// TestV2NeedIsTheShareOfDemandNotCovered: Need = required / (demand / scaleUpThreshold).
func TestV2NeedIsTheShareOfDemandNotCovered(t *testing.T) {
	d := mustDecide(t, v2Snap())
	want := (35000/0.85 - 32000) / (35000 / 0.85)
	if math.Abs(d.Analysis.Need-want) > 1e-9 {
		t.Fatalf("need %v, want %v", d.Analysis.Need, want)
	}
}

// TestV2ScaleDownRemovesOnlyReadyReplicas: spare capacity of the cheap variant's ready
// replicas is removed from the dear variant first, but never more replicas than the dear
// variant has ready: its pending replicas are not taken away before they have started.
func TestV2ScaleDownRemovesOnlyReadyReplicas(t *testing.T) {
	dear := variant("dear", 30, 5)
	dear.ReadyReplicas = 1 // four still starting
	s := snap([]VariantState{variant("cheap", 3, 4), dear},
		tokReplica("cheap", 0, 1000, 0.01, 0, 1000), tokReplica("cheap", 1, 1000, 0.01, 0, 1000),
		tokReplica("cheap", 2, 1000, 0.01, 0, 1000), tokReplica("cheap", 3, 1000, 0.01, 0, 1000),
		tokReplica("dear", 0, 1000, 0.01, 0, 1000))
	s.Saturation.Version = SaturationV2
	d := mustDecide(t, s)
	if !d.Analysis.ScaleDownSafe {
		t.Fatalf("no scale-down: %+v (%s)", d.Analysis, d.Reason)
	}
	check(t, d, map[string]want{"dear": {4, ActionScaleDown, "-1 on highest cost-per-token variant dear"}})
}

// TestUnknownDemandNeverWakesAModel: a count of waiting requests whose source is not
// known (no upstream source reported) never wakes a model at zero, whatever it says.
func TestUnknownDemandNeverWakesAModel(t *testing.T) {
	s := snap([]VariantState{variant("cheap", 5, 0)})
	s.WaitingDemand = Demand{Known: false, Requests: 7}
	check(t, mustDecide(t, s), map[string]want{"cheap": {0, ActionHold, "waiting demand unknown"}})
	s.WaitingDemand = Demand{Known: true, Requests: 1} // one request is enough
	check(t, mustDecide(t, s), map[string]want{"cheap": {1, ActionScaleUp, "scale-from-zero: 1 request(s) waiting"}})
}

// TestStalenessBoundary: a sample exactly MaxSampleAge old is still used; one a second
// older, or of unknown age, is excluded.
func TestStalenessBoundary(t *testing.T) {
	fresh, old, unknown := replica("h100", 0, 0.3, 0), replica("h100", 1, 0.3, 0), replica("h100", 2, 0.3, 0)
	fresh.SampleTime = t0.Add(-30 * time.Second)
	old.SampleTime = t0.Add(-31 * time.Second)
	unknown.SampleTime = time.Time{}
	s := snap([]VariantState{variant("h100", 5, 3)}, fresh, old, unknown)
	s.MaxSampleAge = 30 * time.Second
	d := mustDecide(t, s)
	if a := d.Analysis; a.SampledReplicas != 1 || a.ExcludedReplicas != 2 {
		t.Fatalf("sampled %d, excluded %d; want the 30 s old sample used and the 31 s and unknown ones excluded", a.SampledReplicas, a.ExcludedReplicas)
	}
}

// TestImpossibleSignalsAreExcluded: a KV usage above 1 or a negative queue is not a load
// to decide on; the sample is excluded and the others decide.
func TestImpossibleSignalsAreExcluded(t *testing.T) {
	for name, bad := range map[string]ReplicaSignals{
		"KV usage 1.2":  replica("h100", 2, 1.2, 0),
		"queue of -1":   replica("h100", 2, 0.3, -1),
		"running of -1": func() ReplicaSignals { r := replica("h100", 2, 0.3, 0); r.Running = -1; return r }(),
	} {
		t.Run(name, func(t *testing.T) {
			s := snap([]VariantState{variant("h100", 5, 3)}, replica("h100", 0, 0.3, 0), replica("h100", 1, 0.3, 0), bad)
			d := mustDecide(t, s)
			if a := d.Analysis; a.SampledReplicas != 2 || a.ExcludedReplicas != 1 || a.SaturatedReplicas != 0 {
				t.Fatalf("sampled %d, excluded %d, saturated %d; want the impossible sample excluded", a.SampledReplicas, a.ExcludedReplicas, a.SaturatedReplicas)
			}
		})
	}
	full := replica("h100", 2, 1.0, 0) // exactly full is possible, and saturated
	d := mustDecide(t, snap([]VariantState{variant("h100", 5, 3)}, replica("h100", 0, 0.3, 0), replica("h100", 1, 0.3, 0), full))
	if a := d.Analysis; a.SampledReplicas != 3 || a.SaturatedReplicas != 1 {
		t.Fatalf("a full KV cache: sampled %d, saturated %d; want it used and saturated", a.SampledReplicas, a.SaturatedReplicas)
	}
}

// TestInFlightFlagOnlyWhileTheChangeIsKept: a change in flight that a bound cuts down is
// no longer the change kept, and the decision does not say it is.
func TestInFlightFlagOnlyWhileTheChangeIsKept(t *testing.T) {
	v := variant("h100", 5, 2)
	v.PreviousDesired, v.MaxReplicas = ptr(5), ptr(3)
	d := mustDecide(t, snap([]VariantState{v}, replica("h100", 0, 0.3, 0), replica("h100", 1, 0.3, 0)))
	got := variantByName(t, d, "h100")
	if got.DesiredReplicas != 3 || got.InFlight {
		t.Fatalf("desired %d, in flight %v; want 3 (maxReplicas) and not the kept change", got.DesiredReplicas, got.InFlight)
	}
	v.MaxReplicas = nil
	if got := variantByName(t, mustDecide(t, snap([]VariantState{v}, replica("h100", 0, 0.3, 0), replica("h100", 1, 0.3, 0))), "h100"); got.DesiredReplicas != 5 || !got.InFlight {
		t.Fatalf("unbounded: desired %d, in flight %v; want the kept change 5", got.DesiredReplicas, got.InFlight)
	}
}

// stableLow gives a HYBRID snapshot an hour of history at rate, so that its stabilisation
// no longer holds capacity back.
func stableLow(s Snapshot, rate float64) Snapshot {
	s.Proactive.State.Since = t0.Add(-time.Hour)
	s.Proactive.State.Planned = []PlannedRate{{At: t0.Add(-time.Minute), Rate: rate}}
	return s
}

// TestHybridKeepsAnUnlearnedVariantOnceRemovalIsAllowed: a variant whose parameters are
// not known is left at the capacity answer even when the model may remove capacity: the
// optimiser cannot size it, so it must not take it away either.
func TestHybridKeepsAnUnlearnedVariantOnceRemovalIsAllowed(t *testing.T) {
	s := stableLow(hybridSnap(2, 2, 0.5, 0, 2), 2)
	s.Proactive.Variants[0].Prior = nil // a100: no prior, no window
	capOnly := s
	capOnly.Proactive = nil
	want := variantByName(t, mustDecide(t, capOnly), "a100").DesiredReplicas
	d := mustDecide(t, s)
	if a := variantByName(t, d, "a100"); a.DesiredReplicas != want {
		t.Errorf("unlearned a100 moved to %d, want the capacity answer %d (%s)", a.DesiredReplicas, want, a.Reason)
	}
}

// TestHybridNeverCutsAChangeInFlight: a change in flight (an A100 scale-up the target
// has not reached) is kept whole, even when the capacity answer removes capacity elsewhere
// and the optimiser would rather serve the load on H100s.
func TestHybridNeverCutsAChangeInFlight(t *testing.T) {
	s := stableLow(hybridSnap(2, 2, 0.3, 0, 2), 2)
	s.Variants[0].PreviousDesired = ptr(4) // a100 asked for 4, still at 2
	d := mustDecide(t, s)
	if a := variantByName(t, d, "a100"); a.DesiredReplicas != 4 {
		t.Errorf("a100 in flight to 4 was cut to %d (%s)", a.DesiredReplicas, a.Reason)
	}
}

// TestZeroKvCacheThresholdIsNamedInTheError: a kvCacheThreshold of 0 is refused as
// itself, not through the kvSpareTrigger relation it also breaks, so the error names the
// key the operator has to fix.
func TestZeroKvCacheThresholdIsNamedInTheError(t *testing.T) {
	c := DefaultSaturationConfig()
	c.KvCacheThreshold, c.KvSpareTrigger = 0, 0
	err := c.Validate()
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "kvCacheThreshold" {
		t.Fatalf("Validate = %v, want a ConfigError naming kvCacheThreshold", err)
	}
}
