package perfcheck

import (
	"math"
	"testing"
)

// TestModelValidity holds the model's predicted 95th percentiles of TTFT and ITL within
// 20% of the simulated replica's, on the two benchmark accelerators, over four token
// mixes and load levels from 20% to 90% of saturation; and shows the reference queue's
// means further off than the model's.
func TestModelValidity(t *testing.T) {
	var variants []Variant
	for _, name := range []string{"llama-3.1-8b-h100-80gb", "llama-3.1-8b-a100-80gb"} {
		v, err := LoadVariant(name)
		if err != nil {
			t.Fatal(err)
		}
		variants = append(variants, v)
	}
	points, err := Validity(variants, Mixes(), Loads(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(variants) * len(Mixes()) * len(Loads()); len(points) != want {
		t.Fatalf("%d points, want %d", len(points), want)
	}
	for _, p := range points {
		et, ei := p.Errors()
		t.Logf("%-24s %-26s %3.0f%% %7.3f/s  TTFT p95 sim %8.1f ms model %8.1f (%+4.0f%%)  ITL p95 sim %6.1f ms model %6.1f (%+4.0f%%)",
			p.Variant, p.Mix, 100*p.Load, p.Rate, 1e3*p.Sim.TTFTP95, 1e3*p.TTFTP95, 100*et, 1e3*p.Sim.ITLP95, 1e3*p.ITLP95, 100*ei)
		if p.Sim.Requests < minRequests*9/10 {
			t.Errorf("%s %s %.0f%%: only %d requests measured", p.Variant, p.Mix, 100*p.Load, p.Sim.Requests)
		}
		if math.Abs(et) > 0.20 || math.Abs(ei) > 0.20 {
			t.Errorf("%s %s at %.0f%% of saturation: p95 TTFT off by %+.0f%%, ITL by %+.0f%% (limit 20%%)", p.Variant, p.Mix, 100*p.Load, 100*et, 100*ei)
		}
	}
	wt, wi, mt, mi, rt, ri := WorstErrors(points)
	t.Logf("worst |error|: p95 TTFT %.1f%%, p95 ITL %.1f%%; means: model TTFT %.1f%% ITL %.1f%%, reference queue TTFT %.1f%% ITL %.1f%%",
		100*wt, 100*wi, 100*mt, 100*mi, 100*rt, 100*ri)
	if rt <= mt || ri <= mi {
		t.Errorf("the reference queue's means (worst %.0f%%/%.0f%%) should be further off than the model's (%.0f%%/%.0f%%)", 100*rt, 100*ri, 100*mt, 100*mi)
	}
}
