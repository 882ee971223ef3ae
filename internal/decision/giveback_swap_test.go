package decision

import (
	"strings"
	"testing"
	"time"
)

// swapHolderSnap is a model holding two A100s and four H100s at rate requests/s, its
// stabilisation period observed, with usage kv: at 0.2 the saturation analyser may give
// one replica back and takes it from the A100s (dearest per request), which pins the
// four H100s as its answer for them.
func swapHolderSnap(rate, kv float64) Snapshot {
	s := hybridSnap(2, 4, kv, 0, rate)
	s.ModelID = "holder"
	s.Proactive.State.Since = t0.Add(-time.Hour)
	return s
}

// TestShareBySwap: a model short of H100s gets one from a model whose saturation
// scale-down (v1) took an A100 and whose answer pins its H100s: the H100 goes in place
// of that A100, which stays, so the giver keeps the capacity answer's replica count.
// Never without a v1 scale-down (v2 judges by tokens), never for an H100 cheaper per
// replica than the A100 (v1 would not take it in CAPACITY-ONLY), never below the H100's
// minimum, never when the giver would be left less covered than the short model is (by
// the margin, counting only its ready replicas), once a cycle, and not at all when the
// GPUs freed do not make a whole replica.
func TestShareBySwap(t *testing.T) {
	cases := []struct {
		name       string
		holderRate float64
		kv         float64
		needyRate  float64
		edit       func(holder, needy *Snapshot)
		h100, a100 int // the holder's, after the cycle
		swapped    bool
	}{
		{"swap: the H100 goes, the A100 stays", 38, 0.2, 40, nil, 3, 2, true},
		{"no saturation scale-down: H100s pinned", 38, 0.85, 40, nil, 4, 2, false},
		{"H100 at its minimum: kept", 38, 0.2, 40, func(h, _ *Snapshot) { h.Variants[1].MinReplicas = ptr(4) }, 4, 1, false},
		{"needy about as well covered as the holder would be: kept", 48, 0.2, 12.5, nil, 4, 1, false},
		{"once a cycle, however short the needy model is", 38, 0.2, 80, nil, 3, 2, true},
		{"a four-GPU replica that one GPU cannot make: nothing moves", 38, 0.2, 80, func(_, n *Snapshot) { n.Variants[1].GPUsPerReplica = 4 }, 4, 1, false},
		{"the A100 kept counts towards the giver's coverage", 48, 0.2, 14, nil, 3, 2, true},
		{"two of the giver's H100s still starting: its ready replicas would cover less than the needy model has, nothing moves", 38, 0.2, 14, func(h, _ *Snapshot) {
			starting(h, "h100", 2)
		}, 4, 1, false},
		{"a giver of a lower priority gives way though as well covered", 48, 0.2, 12.5, func(h, n *Snapshot) {
			withPriority(h, 10)
			withPriority(n, 1)
		}, 3, 2, true},
		{"the scale-down's variant on the short accelerator too: nothing moves", 38, 0.2, 40, func(h, _ *Snapshot) {
			h.Variants[0].Accelerator = "acc-h100"
		}, 4, 1, false},
		{"the H100 cheaper per replica than the A100: v1 would not take it, nothing moves", 38, 0.2, 40, func(h, _ *Snapshot) {
			h.Variants[1].Cost = 1.5
		}, 4, 1, false},
		{"the A100 at its maximum once scaled down: it could not stay, nothing moves", 38, 0.2, 40, func(h, _ *Snapshot) {
			h.Variants[0].MaxReplicas = ptr(1)
		}, 4, 1, false},
		{"the A100 bounded by an HPA's maximum: nothing moves", 38, 0.2, 40, func(h, _ *Snapshot) {
			h.Variants[0].Scaler = &ScalerBounds{Kind: "HorizontalPodAutoscaler", Name: "hpa", MinReplicas: 0, MaxReplicas: 1}
		}, 4, 1, false},
		{"saturation v2, which judges by tokens: its A100 scale-down stands, nothing moves", 38, 0.5, 40, func(h, _ *Snapshot) {
			h.Saturation.Version = SaturationV2
			for i := range h.Replicas {
				h.Replicas[i].NumGPUBlocks = map[string]int64{"a100": 400, "h100": 3200}[h.Replicas[i].Variant] // 6,400 and 51,200 tokens
			}
		}, 4, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			holder, needy := swapHolderSnap(c.holderRate, c.kv), needySnap(c.needyRate)
			if c.edit != nil {
				c.edit(&holder, &needy)
			}
			got := cycleDecisions(t, holder, needy)
			h, a := got["holder/h100"], got["holder/a100"]
			if h.DesiredReplicas != c.h100 || a.DesiredReplicas != c.a100 {
				t.Errorf("holder h100 %d a100 %d, want %d and %d:\n  h100: %s\n  a100: %s", h.DesiredReplicas, a.DesiredReplicas, c.h100, c.a100, h.Reason, a.Reason)
			}
			gave := strings.Contains(h.Reason, "in place of the a100 replica its saturation scale-down took")
			kept := strings.Contains(a.Reason, "the saturation scale-down's replica comes from variant h100 instead")
			if gave != c.swapped || kept != c.swapped {
				t.Errorf("swap said %v/%v, want %v:\n  h100: %s\n  a100: %s", gave, kept, c.swapped, h.Reason, a.Reason)
			}
		})
	}
}

// TestShareBySwapKeepsTheCapacityAnswersCount: whatever the swap moves, the giver keeps
// at least as many replicas as the saturation analyser's answer in total.
func TestShareBySwapKeepsTheCapacityAnswersCount(t *testing.T) {
	for _, rate := range []float64{5, 20, 38, 48} {
		holder := swapHolderSnap(rate, 0.2)
		d := cycleDecisions(t, holder, needySnap(80))
		total := d["holder/h100"].DesiredReplicas + d["holder/a100"].DesiredReplicas
		if total < 5 {
			t.Errorf("holder at %v req/s keeps %d replicas, below the capacity answer's 5:\n  h100: %s\n  a100: %s", rate, total, d["holder/h100"].Reason, d["holder/a100"].Reason)
		}
	}
}
