package decision

import (
	"strings"
	"testing"
	"time"
)

// shareCycle decides, with no H100 free, a holder of four H100s serving holderRate
// requests/s (its spare KV lets the saturation analyser give one back, so its floor is
// three) and a needy model with one H100 serving needyRate, and returns both models'
// decisions per "model/variant". A needy priority above zero gives the needy model that
// priority and the holder priority 1; leaving is how many of the holder's H100 replicas
// are still being removed; recovering has the holder's signals back for a minute only
// after a failure.
func shareCycle(t *testing.T, holderRate, needyRate float64, needyPriority, leaving int, recovering bool) map[string]VariantDecision {
	t.Helper()
	holder := hybridSnap(0, 4, 0.2, 0, holderRate)
	holder.ModelID = "holder"
	holder.Variants[1].Leaving = leaving
	if recovering {
		holder.SignalsBackSince, holder.PeakWindow = t0.Add(-time.Minute), 10*time.Minute
	}
	holder.Proactive.State.Since = t0.Add(-time.Hour)
	needy := hybridSnap(0, 1, 0.5, 0, needyRate)
	needy.ModelID = "needy"
	if needyPriority > 0 {
		needy.Proactive.Classes = []ServiceClass{{Name: "Batch", Priority: needyPriority, TTFT: 2 * time.Second, ITL: 100 * time.Millisecond}}
		holder.Proactive.Classes = []ServiceClass{{Name: "Premium", Priority: 1, TTFT: 2 * time.Second, ITL: 100 * time.Millisecond}}
	}
	got := map[string]VariantDecision{}
	for _, r := range DecideCycle([]Snapshot{holder, needy}, map[string]int{"acc-h100": 0, "acc-a100": 0}) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		for _, v := range r.Decision.Variants {
			got[r.ModelID+"/"+v.Name] = v
		}
	}
	return got
}

// TestShareByCoverage: a model short of GPUs gets them from a model of the same or a
// lower priority while that model stays better covered after giving, never below its
// capacity answer, never from a model of a higher priority and never while the holder's
// scale-down waits for replicas still leaving. The holder needs its
// fourth H100 for its own planned rate (38/s on 11.4/s replicas), so the rule that
// gives back what is held only for the stabilisation period has nothing to give.
func TestShareByCoverage(t *testing.T) {
	cases := []struct {
		name          string
		holderRate    float64
		needyRate     float64
		needyPriority int
		leaving       int
		recovering    bool
		holder        int // the holder's H100s
		gives         bool
	}{
		{"needy far less covered: one H100 given", 38, 40, 0, 0, false, 3, true},
		{"needy short of many: never below the capacity answer", 38, 80, 0, 0, false, 3, true},
		{"needy as well covered as the holder would be: kept", 38, 12.5, 0, 0, false, 4, false},
		{"needy not short: kept", 38, 9, 0, 0, false, 4, false},
		{"needy of a lower priority: kept", 42, 40, 10, 0, false, 4, false},
		{"holder still removing a replica: kept", 38, 40, 0, 1, false, 4, false},
		{"holder's signals recovering from a failure: kept", 38, 40, 0, 0, true, 4, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := shareCycle(t, c.holderRate, c.needyRate, c.needyPriority, c.leaving, c.recovering)
			h := got["holder/h100"]
			if h.DesiredReplicas != c.holder || strings.Contains(h.Reason, "by coverage") != c.gives {
				t.Errorf("holder h100 %d, want %d (gives %v): %s", h.DesiredReplicas, c.holder, c.gives, h.Reason)
			}
			if c.needyRate == 40 && c.gives && !strings.Contains(h.Reason, `share "acc-h100" GPUs by coverage: prod/holder keeps 90% of its planned rate, prod/needy has 29%`) {
				t.Errorf("holder reason %s: want both coverages named", h.Reason)
			}
		})
	}
}

// TestShareByCoverageBestGiverOnly: of two holders, the one left better covered gives,
// and only as many GPUs as the short model is short of (here one: its maximum is two
// replicas), however far below the givers it stays.
func TestShareByCoverageBestGiverOnly(t *testing.T) {
	var snaps []Snapshot
	for _, h := range []struct {
		id   string
		rate float64
	}{{"tight", 38}, {"roomy", 35}} {
		s := hybridSnap(0, 4, 0.2, 0, h.rate)
		s.ModelID = h.id
		s.Proactive.State.Since = t0.Add(-time.Hour)
		snaps = append(snaps, s)
	}
	needy := hybridSnap(0, 1, 0.5, 0, 80)
	needy.ModelID = "needy"
	needy.Variants[1].MaxReplicas = ptr(2)
	snaps = append(snaps, needy)
	got := map[string]VariantDecision{}
	for _, r := range DecideCycle(snaps, map[string]int{"acc-h100": 0, "acc-a100": 0}) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		for _, v := range r.Decision.Variants {
			got[r.ModelID+"/"+v.Name] = v
		}
	}
	if n := got["needy/h100"]; n.GPUShortfall != 1 {
		t.Fatalf("needy h100 shortfall %d, want 1: %s", n.GPUShortfall, n.Reason)
	}
	if r := got["roomy/h100"]; r.DesiredReplicas != 3 || !strings.Contains(r.Reason, "by coverage") {
		t.Errorf("roomy h100 %d, want 3 (one given back): %s", r.DesiredReplicas, r.Reason)
	}
	if h := got["tight/h100"]; h.DesiredReplicas != 4 {
		t.Errorf("tight h100 %d, want 4 (the roomy model gave the one GPU needed): %s", h.DesiredReplicas, h.Reason)
	}
}
