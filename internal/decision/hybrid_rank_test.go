package decision

import (
	"strings"
	"testing"
)

// TestHybridSaturationRanksByCostPerRequest: in HYBRID, once the optimiser knows every
// variant's sustainable rate, the saturation analyser (v1) adds its replica to the
// variant cheapest per request and removes one from the variant dearest per request, so
// the capacity answer, a floor for every variant, agrees with the optimiser's choice. In
// CAPACITY-ONLY, or while a rate is unknown, the cost per replica decides, as before.
func TestHybridSaturationRanksByCostPerRequest(t *testing.T) {
	known := map[string]RateMemo{"a100": {Rate: 4.02}, "h100": {Rate: 10.76}} // 0.445 and 0.278 per request/s
	cases := []struct {
		name      string
		hybrid    bool
		rates     map[string]RateMemo
		kv, wait  float64
		wantUp    string // the variant v1's scale-up asks for
		wantDown  string // the variant v1's scale-down removes from
		wantLabel string
	}{
		{name: "hybrid scale-up, rates known", hybrid: true, rates: known, kv: 0.85, wait: 6, wantUp: "h100", wantLabel: "cheapest variant per request"},
		{name: "hybrid scale-down, rates known", hybrid: true, rates: known, kv: 0.05, wantDown: "a100", wantLabel: "most expensive variant per request"},
		{name: "hybrid scale-up, a rate unknown", hybrid: true, rates: map[string]RateMemo{"h100": {Rate: 10.76}}, kv: 0.85, wait: 6, wantUp: "a100", wantLabel: "cheapest variant"},
		{name: "hybrid scale-down, a variant unable alone", hybrid: true, rates: map[string]RateMemo{"a100": {Rate: 0}, "h100": {Rate: 10.76}}, kv: 0.05, wantDown: "h100", wantLabel: "most expensive variant"},
		{name: "capacity-only scale-up", kv: 0.85, wait: 6, wantUp: "a100", wantLabel: "cheapest variant"},
		{name: "capacity-only scale-down", kv: 0.05, wantDown: "h100", wantLabel: "most expensive variant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := hybridSnap(2, 2, tc.kv, tc.wait, 10)
			s.Proactive.State.Rates = tc.rates
			if !tc.hybrid {
				s.Proactive = nil
			}
			p, err := buildPlan(&s)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantUp != "" {
				if len(p.requests) != 1 || p.variants[p.requests[0].variant].state.Name != tc.wantUp {
					t.Fatalf("scale-up requests %+v, want one on %s (%s)", p.requests, tc.wantUp, p.reason)
				}
				if p.requests[0].label != tc.wantLabel {
					t.Errorf("label %q, want %q", p.requests[0].label, tc.wantLabel)
				}
				return
			}
			for i := range p.variants {
				v := &p.variants[i]
				removed := v.desired == v.base-1
				if removed != (v.state.Name == tc.wantDown) {
					t.Fatalf("%s: base %d desired %d; want one removed from %s only (%s)", v.state.Name, v.base, v.desired, tc.wantDown, p.reason)
				}
				if removed && !strings.Contains(v.reason, tc.wantLabel+" "+tc.wantDown) {
					t.Errorf("reason %q lacks %q", v.reason, tc.wantLabel+" "+tc.wantDown)
				}
			}
		})
	}
}

// TestHybridSaturationTakesALastReplicaDearerPerRequest: in HYBRID, with variants ranked
// per request, v1's scale-down may take the last replica of a variant whose min is 0
// while the model keeps replicas elsewhere; otherwise (CAPACITY-ONLY, rates unknown, a
// min of 1, or the model's own last replica) a variant keeps one.
func TestHybridSaturationTakesALastReplicaDearerPerRequest(t *testing.T) {
	known := map[string]RateMemo{"a100": {Rate: 4.02}, "h100": {Rate: 10.76}}
	cases := []struct {
		name     string
		hybrid   bool
		rates    map[string]RateMemo
		a, h     int
		aMin     int
		wantA    int // a100's desired after v1's step
		wantH    int
		wantNote string
	}{
		{name: "hybrid: the dearer variant's last replica goes", hybrid: true, rates: known, a: 1, h: 3, wantA: 0, wantH: 3, wantNote: "most expensive variant per request a100"},
		{name: "hybrid: a min of 1 keeps it", hybrid: true, rates: known, a: 1, h: 3, aMin: 1, wantA: 1, wantH: 2},
		{name: "hybrid, rates unknown: one replica per variant stays", hybrid: true, rates: map[string]RateMemo{"h100": {Rate: 10.76}}, a: 1, h: 3, wantA: 1, wantH: 2},
		{name: "capacity-only: one replica per variant stays", a: 1, h: 3, wantA: 1, wantH: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := hybridSnap(tc.a, tc.h, 0.05, 0, 5)
			s.Proactive.State.Rates = tc.rates
			if tc.aMin > 0 {
				s.Variants[0].MinReplicas = ptr(tc.aMin)
			}
			if !tc.hybrid {
				s.Proactive = nil
			}
			p, err := buildPlan(&s)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for i := range p.variants {
				got[p.variants[i].state.Name] = p.variants[i].desired
			}
			if got["a100"] != tc.wantA || got["h100"] != tc.wantH {
				t.Fatalf("a100 %d, h100 %d; want %d and %d (%s)", got["a100"], got["h100"], tc.wantA, tc.wantH, p.reason)
			}
			if tc.wantNote != "" && !strings.Contains(p.variants[0].reason, tc.wantNote) {
				t.Errorf("a100 reason %q lacks %q", p.variants[0].reason, tc.wantNote)
			}
		})
	}
}
