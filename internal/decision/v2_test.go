package decision

import (
	"math"
	"strings"
	"testing"
)

// tokReplica is a v2 sample: block size 16, the given blocks, KV use, queue and prompt length.
func tokReplica(v string, i int, blocks int64, kv, waiting, avgIn float64) ReplicaSignals {
	r := replica(v, i, kv, waiting)
	r.NumGPUBlocks, r.BlockSize, r.AvgInputTokens = blocks, 16, avgIn
	return r
}

// v2Snap is a v2 model: a100 (cost 10, 16000 KV tokens, capacity 12800) with two
// replicas at 75% KV and 2 queued 1000-token prompts each (14000 tokens demand each),
// and l4 (cost 4, 8000 KV tokens, capacity 6400) with one replica at 75% and 1 queued
// (7000). Demand 35000; supply 2*12800 + 6400 = 32000;
// required = 35000/0.85 - 32000 = 9176.47 tokens.
func v2Snap() Snapshot {
	s := snap([]VariantState{variant("a100", 10, 2), variant("l4", 4, 1)},
		tokReplica("a100", 0, 1000, 0.75, 2, 1000), tokReplica("a100", 1, 1000, 0.75, 2, 1000),
		tokReplica("l4", 0, 500, 0.75, 1, 1000))
	s.Saturation.Version = SaturationV2
	return s
}

// TestV2Arithmetic checks the token figures worked by hand above.
func TestV2Arithmetic(t *testing.T) {
	d := mustDecide(t, v2Snap())
	a := d.Analysis
	if a.Analyzer != AnalyzerSaturationV2 {
		t.Fatalf("analyzer %s", a.Analyzer)
	}
	near := func(name string, got, want float64) {
		if math.Abs(got-want) > 0.01 {
			t.Errorf("%s = %.4f, want %.4f", name, got, want)
		}
	}
	near("demand", a.DemandTokens, 35000)
	near("supply", a.SupplyTokens, 32000)
	near("anticipated", a.AnticipatedSupplyTokens, 32000)
	near("required", a.RequiredTokens, 35000/0.85-32000)
	near("spare", a.SpareTokens, 0)
	// l4 costs 4/6400 per token, a100 10/12800: l4 first, ceil(9176.47/6400) = 2.
	check(t, d, map[string]want{"l4": {3, ActionScaleUp, "+2 on lowest cost-per-token variant l4"}, "a100": {2, ActionHold, ""}})
}

// TestV2Rules covers allocation order, whole replicas, pending supply and bounds.
func TestV2Rules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Snapshot)
		wants  map[string]want
	}{
		{"max on the cheapest spills the rest to the next: 9176-6400 = 2776 -> 1 a100", func(s *Snapshot) { s.Variants[1].MaxReplicas = ptr(2) },
			map[string]want{"l4": {2, ActionScaleUp, ""}, "a100": {3, ActionScaleUp, "+1 on"}}},
		{"a pending l4 replica counts as supply: 41176-38400 = 2776 -> 1 more", func(s *Snapshot) { s.Variants[1].CurrentReplicas = 2 },
			map[string]want{"l4": {3, ActionScaleUp, ""}, "a100": {2, ActionHold, ""}}},
		{"GPU limit grants whole replicas and says what it could not", func(s *Snapshot) { s.FreeGPUs = map[string]int{"acc-l4": 1} },
			map[string]want{"l4": {2, ActionScaleUp, "GPU limit: 1 of 2 replica(s) granted"}}},
		{"variant with a change in flight is not given capacity; its desired counts: 41176-(25600+2*6400) = 2776 -> 1 a100", func(s *Snapshot) { s.Variants[1].PreviousDesired = ptr(2) },
			map[string]want{"l4": {2, ActionScaleUp, "change in flight"}, "a100": {3, ActionScaleUp, ""}}},
		{"configured token capacity caps the KV capacity", func(s *Snapshot) {
			// l4 capacity min(6400, 3000) = 3000; supply 28600; required 12576.47;
			// a100 10/12800 < l4 4/3000 per token: a100 gets ceil(12576.47/12800) = 1.
			s.Variants[1].TokenCapacity = 3000
		}, map[string]want{"a100": {3, ActionScaleUp, "12800 tokens per replica"}, "l4": {1, ActionHold, ""}}},
		{"a replica queueing at the threshold shows its compute bound", func(s *Snapshot) {
			// l4 queues 5 at 6000 tokens in use: capacity min(6400, 6000) = 6000. Demand
			// 28000 + 6000 + 5*1000 = 39000; supply 25600 + 6000 = 31600; required
			// 39000/0.85 - 31600 = 14282.35; l4 (4/6000 per token) still first:
			// ceil(14282.35/6000) = 3.
			s.Replicas[2].Waiting = 5
		}, map[string]want{"l4": {4, ActionScaleUp, "required 14282 tokens"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := v2Snap()
			tc.mutate(&s)
			check(t, mustDecide(t, s), tc.wants)
		})
	}
}

// TestV2ScaleDown checks floor rounding, most expensive per token first and the floor.
func TestV2ScaleDown(t *testing.T) {
	// a100: 3 x 4800 tokens in use, l4: 3 x 2400; demand 21600; supply 3*12800 + 3*6400
	// = 57600; spare = 57600 - 21600/0.7 = 26742.86. a100 (10/12800 per token) is the
	// more expensive: floor(26742.86/12800) = 2, down to its floor 1; left 1142.86 is
	// less than one l4 replica, so l4 holds.
	s := snap([]VariantState{variant("a100", 10, 3), variant("l4", 4, 3)})
	for i := range 3 {
		s.Replicas = append(s.Replicas, tokReplica("a100", i, 1000, 0.3, 0, 1000), tokReplica("l4", i, 500, 0.3, 0, 1000))
	}
	s.Saturation.Version = SaturationV2
	d := mustDecide(t, s)
	if math.Abs(d.Analysis.SpareTokens-(57600-21600/0.7)) > 0.01 {
		t.Fatalf("spare %.2f", d.Analysis.SpareTokens)
	}
	check(t, d, map[string]want{"a100": {1, ActionScaleDown, "-2 on highest cost-per-token variant a100"}, "l4": {3, ActionHold, ""}})
}

// TestV2HoldAndTies covers the dead band, name ties and unsized variants.
func TestV2HoldAndTies(t *testing.T) {
	t.Run("between the thresholds nothing changes", func(t *testing.T) {
		// 2 x 12800 supply, demand 2 x 9600 = 19200: required 22588-25600 < 0,
		// spare 25600 - 27428 < 0.
		s := snap([]VariantState{variant("a", 10, 2)}, tokReplica("a", 0, 1000, 0.6, 0, 0), tokReplica("a", 1, 1000, 0.6, 0, 0))
		s.Saturation.Version = SaturationV2
		check(t, mustDecide(t, s), map[string]want{"a": {2, ActionHold, "no capacity required or spare"}})
	})
	t.Run("equal cost per token goes to the first name", func(t *testing.T) {
		s := snap([]VariantState{variant("b", 10, 1), variant("a", 10, 1)}, tokReplica("a", 0, 1000, 0.8, 0, 0), tokReplica("b", 0, 1000, 0.8, 0, 0))
		s.Saturation.Version = SaturationV2
		check(t, mustDecide(t, s), map[string]want{"a": {2, ActionScaleUp, ""}, "b": {1, ActionHold, ""}})
	})
	t.Run("a variant with replicas but no KV size falls back to the safety net", func(t *testing.T) {
		s := v2Snap()
		s.Replicas[2].NumGPUBlocks = 0
		d := mustDecide(t, s)
		if !d.SafetyNet || !strings.Contains(d.Reason, "v2 cannot size variant l4") {
			t.Fatalf("want safety net naming l4, got %q", d.Reason)
		}
	})
	t.Run("zero v2 thresholds take the defaults", func(t *testing.T) {
		s := v2Snap()
		s.Saturation.ScaleUpThreshold, s.Saturation.ScaleDownBoundary = 0, 0
		d := mustDecide(t, s)
		if math.Abs(d.Analysis.RequiredTokens-(35000/0.85-32000)) > 0.01 {
			t.Fatalf("required %.2f", d.Analysis.RequiredTokens)
		}
	})
}
