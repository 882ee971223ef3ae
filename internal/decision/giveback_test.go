package decision

import (
	"strings"
	"testing"
	"time"
)

// cycleDecisions decides the snapshots in one cycle with no A100 or H100 free and returns
// every variant's decision per "model/variant".
func cycleDecisions(t *testing.T, snaps ...Snapshot) map[string]VariantDecision {
	t.Helper()
	return cycleDecisionsWith(t, map[string]int{"acc-h100": 0, "acc-a100": 0}, snaps...)
}

// cycleDecisionsWith is cycleDecisions with free GPUs per accelerator.
func cycleDecisionsWith(t *testing.T, free map[string]int, snaps ...Snapshot) map[string]VariantDecision {
	t.Helper()
	got := map[string]VariantDecision{}
	for _, r := range DecideCycle(snaps, free) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		for _, v := range r.Decision.Variants {
			got[r.ModelID+"/"+v.Name] = v
		}
	}
	return got
}

// withPriority gives a snapshot one service class of that priority (0: none), with the
// default objectives so that only the priority changes.
func withPriority(s *Snapshot, priority int) {
	if priority > 0 {
		c := DefaultServiceClass()
		c.Name, c.Priority = "Class", priority
		s.Proactive.Classes = []ServiceClass{c}
	}
}

// holderSnap is a model holding h H100s (one GPU each) at rate requests/s whose
// stabilisation period has been observed; its spare KV lets the saturation analyser
// give one back, so its floor is h-1.
func holderSnap(id string, h int, rate float64) Snapshot {
	s := hybridSnap(0, h, 0.2, 0, rate)
	s.ModelID = id
	s.Proactive.State.Since = t0.Add(-time.Hour)
	return s
}

// needySnap is a model with one H100 serving rate requests/s, short of H100s.
func needySnap(rate float64) Snapshot {
	s := hybridSnap(0, 1, 0.5, 0, rate)
	s.ModelID = "needy"
	return s
}

// TestShareByCoverage: a model short of GPUs gets them from a model of the same priority
// while that model stays better covered after giving, and from a model of a lower
// priority down to its floor whatever the coverage; never below the giver's capacity
// answer, never from a model of a higher priority and never while the giver's scale-down
// waits. The holder needs its fourth H100 for its own planned rate (38/s on 11.4/s
// replicas), so the rule that gives back what is held only for the stabilisation period
// has nothing to give.
func TestShareByCoverage(t *testing.T) {
	cases := []struct {
		name           string
		holderRate     float64
		needyRate      float64
		holderPriority int
		needyPriority  int
		leaving        int
		recovering     bool
		holder         int    // the holder's H100s
		reason         string // in the holder's reason; "" when nothing is given
	}{
		{"needy far less covered: one H100 given", 38, 40, 0, 0, 0, false, 3,
			`share "acc-h100" GPUs by coverage: prod/holder keeps 90% of its planned rate and backlog on ready replicas, prod/needy has 29%`},
		{"needy short of many: never below the capacity answer", 38, 80, 0, 0, 0, false, 3, "by coverage"},
		{"needy as well covered as the holder would be: kept", 38, 12.5, 0, 0, 0, false, 4, ""},
		{"same priority, needy as well covered: kept", 38, 12.5, 1, 1, 0, false, 4, ""},
		{"same priority, needy far less covered: given", 38, 40, 1, 1, 0, false, 3, "by coverage"},
		{"needy not short: kept", 38, 9, 0, 0, 0, false, 4, ""},
		{"needy of a lower priority: kept", 42, 40, 1, 10, 0, false, 4, ""},
		{"needy of a lower priority, far less covered: kept", 38, 80, 1, 10, 0, false, 4, ""},
		{"holder of a lower priority gives way though better covered", 38, 12.5, 10, 1, 0, false, 3,
			`gives way with 1 replica of "acc-h100" GPUs to prod/needy of a higher priority (prod/holder keeps 90% of its planned rate and backlog on ready replicas, prod/needy has 92%)`},
		{"holder of a lower priority: never below the capacity answer", 38, 80, 10, 1, 0, false, 3, "gives way"},
		{"holder without a class gives way to a classed needy", 38, 12.5, 0, 1, 0, false, 3, "gives way"},
		{"holder of a lower priority still removing a replica: kept", 38, 12.5, 10, 1, 1, false, 4, ""},
		{"holder still removing a replica: kept", 38, 40, 0, 0, 1, false, 4, ""},
		{"holder's signals recovering from a failure: kept", 38, 40, 0, 0, 0, true, 4, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			holder := holderSnap("holder", 4, c.holderRate)
			holder.Variants[1].Leaving = c.leaving
			if c.recovering {
				holder.SignalsBackSince, holder.PeakWindow = t0.Add(-time.Minute), 10*time.Minute
			}
			withPriority(&holder, c.holderPriority)
			needy := needySnap(c.needyRate)
			withPriority(&needy, c.needyPriority)
			h := cycleDecisions(t, holder, needy)["holder/h100"]
			gave := strings.Contains(h.Reason, "by coverage") || strings.Contains(h.Reason, "gives way")
			if h.DesiredReplicas != c.holder || gave != (c.reason != "") || !strings.Contains(h.Reason, c.reason) {
				t.Errorf("holder h100 %d, want %d (reason %q): %s", h.DesiredReplicas, c.holder, c.reason, h.Reason)
			}
		})
	}
}

// TestShareByCoverageBestGiverOnly: of two holders, the one left better covered gives,
// and only as many GPUs as the short model is short of (here one: its maximum is two
// replicas), however far below the givers it stays.
func TestShareByCoverageBestGiverOnly(t *testing.T) {
	needy := needySnap(80)
	needy.Variants[1].MaxReplicas = ptr(2)
	got := cycleDecisions(t, holderSnap("tight", 4, 38), holderSnap("roomy", 4, 35), needy)
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

// TestShareByCoverageLowerPriorityFirst: a model of a lower priority gives way before a
// model of the short model's priority gives by coverage, though the latter is better
// covered.
func TestShareByCoverageLowerPriorityFirst(t *testing.T) {
	needy := needySnap(80)
	needy.Variants[1].MaxReplicas = ptr(2)
	withPriority(&needy, 1)
	tight, roomy := holderSnap("tight", 4, 38), holderSnap("roomy", 4, 35)
	withPriority(&tight, 10)
	withPriority(&roomy, 1)
	got := cycleDecisions(t, tight, roomy, needy)
	if h := got["tight/h100"]; h.DesiredReplicas != 3 || !strings.Contains(h.Reason, "gives way") {
		t.Errorf("tight h100 %d, want 3 (of a lower priority, it gives way first): %s", h.DesiredReplicas, h.Reason)
	}
	if r := got["roomy/h100"]; r.DesiredReplicas != 4 {
		t.Errorf("roomy h100 %d, want 4 (the model of a lower priority gave the GPU needed): %s", r.DesiredReplicas, r.Reason)
	}
}

// TestShareByCoverageWholeReplicas: a model whose replica needs four GPUs is given a
// replica only when its givers free four GPUs together; when they can free only three,
// none of them gives (a GPU freed short of a whole replica serves nobody).
func TestShareByCoverageWholeReplicas(t *testing.T) {
	for _, holders := range []int{3, 4} {
		snaps := []Snapshot{}
		for _, id := range []string{"h1", "h2", "h3", "h4"}[:holders] {
			snaps = append(snaps, holderSnap(id, 4, 38))
		}
		needy := needySnap(80)
		needy.Variants[1].GPUsPerReplica = 4
		got := cycleDecisions(t, append(snaps, needy)...)
		if n := got["needy/h100"]; n.GPUShortfall == 0 {
			t.Fatalf("needy h100 %+v: want a shortfall", n)
		}
		for _, s := range snaps {
			h := got[s.ModelID+"/h100"]
			want := 4
			if holders == 4 {
				want = 3
			}
			if h.DesiredReplicas != want || strings.Contains(h.Reason, "by coverage") != (want == 3) {
				t.Errorf("%d holders: %s h100 %d, want %d: %s", holders, s.ModelID, h.DesiredReplicas, want, h.Reason)
			}
		}
	}
}

// TestShareByCoverageUntrackedGPUs: a giver whose replicas are not counted in GPUs
// (GPUsPerReplica 0, which the limiter does not track) frees nothing by giving, so it
// keeps its replicas, though better covered; the tracked holder gives.
func TestShareByCoverageUntrackedGPUs(t *testing.T) {
	untracked := holderSnap("untracked", 4, 35)
	untracked.Variants[1].GPUsPerReplica = 0
	got := cycleDecisions(t, untracked, holderSnap("tracked", 4, 38), needySnap(40))
	if u := got["untracked/h100"]; u.DesiredReplicas != 4 || strings.Contains(u.Reason, "by coverage") {
		t.Errorf("untracked h100 %d, want 4 (it frees no tracked GPU): %s", u.DesiredReplicas, u.Reason)
	}
	if h := got["tracked/h100"]; h.DesiredReplicas != 3 || !strings.Contains(h.Reason, "by coverage") {
		t.Errorf("tracked h100 %d, want 3 (it frees the GPU): %s", h.DesiredReplicas, h.Reason)
	}
}

// TestGiveBackWaitsForScaleDown: a model holding H100s only for its stabilisation period
// keeps them, though another model is short of H100s, while its scale-down waits for
// replicas still leaving or for signals recovering from a failure.
func TestGiveBackWaitsForScaleDown(t *testing.T) {
	for _, c := range []struct {
		name       string
		leaving    int
		recovering bool
		gives      bool
	}{
		{"scale-down free: gives back", 0, false, true},
		{"a replica still leaving: keeps", 1, false, false},
		{"signals recovering from a failure: keeps", 0, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			holder := hybridSnap(0, 4, 0.2, 0, 5) // four H100s, little traffic
			holder.ModelID = "holder"
			holder.Proactive.State.Since = t0.Add(-time.Minute) // stabilisation not yet observed: it would keep them
			holder.Variants[1].Leaving = c.leaving
			if c.recovering {
				holder.SignalsBackSince, holder.PeakWindow = t0.Add(-time.Minute), 10*time.Minute
			}
			h := cycleDecisions(t, holder, needySnap(40))["holder/h100"]
			if gave := strings.Contains(h.Reason, "held for the stabilisation period"); gave != c.gives || (h.DesiredReplicas < 4) != c.gives {
				t.Errorf("holder h100 %d, want given back %v: %s", h.DesiredReplicas, c.gives, h.Reason)
			}
		})
	}
}

// TestShareByCoverageCountsFreeGPUs: GPUs left free in the pool count towards the short
// model's replica, so one GPU given completes a four-GPU replica with three free.
func TestShareByCoverageCountsFreeGPUs(t *testing.T) {
	needy := needySnap(80)
	needy.Variants[1].GPUsPerReplica = 4
	got := cycleDecisionsWith(t, map[string]int{"acc-h100": 3, "acc-a100": 0}, holderSnap("holder", 4, 38), needy)
	if n := got["needy/h100"]; n.GPUShortfall == 0 {
		t.Fatalf("needy h100 not short (%d): %s", n.GPUShortfall, n.Reason)
	}
	h, ok := got["holder/h100"]
	if !ok || h.DesiredReplicas != 3 || !strings.Contains(h.Reason, "by coverage") {
		t.Errorf("holder h100 %d (decided %v), want 3 (one GPU completes a replica with the three free): %s", h.DesiredReplicas, ok, h.Reason)
	}
}

// TestNoGiveWhenAlternativesCoverTheNeed: a model short of H100s whose A100 alternatives
// (free in the pool) carry the rate it could not place is not short any more; a model of
// a lower priority, which gives way whatever its own coverage, keeps its H100s.
func TestNoGiveWhenAlternativesCoverTheNeed(t *testing.T) {
	holder := holderSnap("holder", 4, 38)
	withPriority(&holder, 10)
	needy := needySnap(12.5)
	withPriority(&needy, 1)
	got := cycleDecisionsWith(t, map[string]int{"acc-h100": 0, "acc-a100": 8}, holder, needy)
	n := got["needy/a100"]
	if n.DesiredReplicas == 0 || got["needy/h100"].GPUShortfall == 0 {
		t.Fatalf("needy: a100 %d, h100 shortfall %d; want A100s granted in place of the H100 it could not get: %s / %s",
			n.DesiredReplicas, got["needy/h100"].GPUShortfall, n.Reason, got["needy/h100"].Reason)
	}
	if h := got["holder/h100"]; h.DesiredReplicas != 4 || strings.Contains(h.Reason, "gives way") {
		t.Errorf("holder h100 %d, want 4 (the needy model's A100s cover it): %s", h.DesiredReplicas, h.Reason)
	}
}

// TestShareByCoverageCountsGivenBackGPUs: GPUs a model gives back in the cycle (replicas
// held only for its stabilisation period) count towards the short model's replica like
// GPUs left free, so a model that needs its replicas for its own planned rate is not
// asked to give as well.
func TestShareByCoverageCountsGivenBackGPUs(t *testing.T) {
	lean := hybridSnap(0, 2, 0.2, 0, 5) // two H100s, little traffic
	lean.ModelID = "lean"
	lean.Proactive.State.Since = t0.Add(-time.Minute) // stabilisation not yet observed: it holds both
	needy := needySnap(40)
	needy.Variants[1].MaxReplicas = ptr(2)
	got := cycleDecisions(t, lean, holderSnap("holder", 4, 38), needy)
	if l := got["lean/h100"]; l.DesiredReplicas != 1 || !strings.Contains(l.Reason, "held for the stabilisation period") {
		t.Fatalf("lean h100 %d, want 1 (one replica held only for the stabilisation period given back): %s", l.DesiredReplicas, l.Reason)
	}
	if h := got["holder/h100"]; h.DesiredReplicas != 4 || strings.Contains(h.Reason, "by coverage") {
		t.Errorf("holder h100 %d, want 4 (the GPU the lean model gives back completes the needy model's replica): %s", h.DesiredReplicas, h.Reason)
	}
}

// starting marks n of the variant's replicas as still starting: not ready, no samples.
func starting(s *Snapshot, variant string, n int) {
	for i := range s.Variants {
		if s.Variants[i].Name == variant {
			s.Variants[i].ReadyReplicas -= n
		}
	}
	kept := s.Replicas[:0]
	for _, r := range s.Replicas {
		if r.Variant == variant && n > 0 {
			n--
			continue
		}
		kept = append(kept, r)
	}
	s.Replicas = kept
}

// TestShareByCoverageJudgesTheGiverByWhatServes: a giver is left covered by its ready
// replicas, not by those it is still starting, since the replica it gives stops serving at
// once and the short model's serves only after a start-up. With two of its four H100s
// still starting, the holder gives one of those (a Deployment removes unready Pods first)
// to a model far less covered, but keeps them from one its two ready replicas would not
// cover better.
func TestShareByCoverageJudgesTheGiverByWhatServes(t *testing.T) {
	for _, c := range []struct {
		name      string
		starting  int
		needyRate float64
		holder    int
		reason    string
	}{
		{"all ready: gives", 0, 16, 3, "prod/holder keeps 90% of its planned rate and backlog on ready replicas, prod/needy has 72%"},
		{"two starting, needy far less covered: gives one of them", 2, 40, 3, "prod/holder keeps 60% of its planned rate and backlog on ready replicas, prod/needy has 29%"},
		{"two starting: its ready replicas would cover less than the needy model has", 2, 16, 4, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			holder := holderSnap("holder", 4, 38)
			starting(&holder, "h100", c.starting)
			h := cycleDecisions(t, holder, needySnap(c.needyRate))["holder/h100"]
			gave := strings.Contains(h.Reason, "by coverage")
			if h.DesiredReplicas != c.holder || gave != (c.reason != "") || !strings.Contains(h.Reason, c.reason) {
				t.Errorf("holder h100 %d, want %d (reason %q): %s", h.DesiredReplicas, c.holder, c.reason, h.Reason)
			}
		})
	}
}

// TestGiveBackIgnoresThePeriodsLowestRates: what a model holds only for its stabilisation
// period goes back to a model short of GPUs, and that includes what it holds for the
// period's lowest rates per replica: at this cycle's rates two H100s carry its 21.5/s,
// so the third goes back though a lower rate counted 30 seconds ago would keep it.
func TestGiveBackIgnoresThePeriodsLowestRates(t *testing.T) {
	holder := hybridSnap(0, 3, 0.2, 0, 21.5)
	holder.ModelID = "holder"
	holder.Proactive.State.Since = t0.Add(-time.Minute) // stabilisation not yet observed: it would keep them
	holder.Proactive.State.Planned = []PlannedRate{{At: t0.Add(-30 * time.Second), Rate: 21.5, Rates: map[string]float64{"h100": 10}}}
	h := cycleDecisions(t, holder, needySnap(40))["holder/h100"]
	if h.DesiredReplicas != 2 || !strings.Contains(h.Reason, "held for the stabilisation period") {
		t.Errorf("holder h100 %d, want 2 (one replica given back): %s", h.DesiredReplicas, h.Reason)
	}
}
