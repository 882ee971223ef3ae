package perfcheck

import (
	"math"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// TestClumpedArrivals: when requests arrive in clumps of two of one length (as a trace
// scaled up by copying requests does), the model with its dispersion set to 2 keeps the
// p95 TTFT within 20% and the p95 ITL within 30% of the simulated replica, where the
// Poisson model (dispersion 1) underestimates the TTFT by more.
func TestClumpedArrivals(t *testing.T) {
	v, err := LoadVariant("llama-3.1-8b-h100-80gb")
	if err != nil {
		t.Fatal(err)
	}
	for _, mix := range Mixes()[:2] {
		sat, err := Saturation(v, mix, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, load := range []float64{0.3, 0.6, 0.85} {
			rate := load * sat
			sim, err := SimulateClumped(v, mix, rate, 2, max(10*time.Minute, time.Duration(minRequests/rate*float64(time.Second))), 2)
			if err != nil {
				t.Fatal(err)
			}
			clumped := v.Model
			clumped.Dispersion = 2
			pc, pp := perfmodel.Predict(clumped, v.Engine, mix.Tokens, rate), perfmodel.Predict(v.Model, v.Engine, mix.Tokens, rate)
			et, ei := pc.TTFTQuantile(0.95)/sim.TTFTP95-1, pc.ITLQuantile(0.95)/sim.ITLP95-1
			ep := pp.TTFTQuantile(0.95)/sim.TTFTP95 - 1
			t.Logf("%-12s %3.0f%%: p95 TTFT sim %6.1f ms, clumped model %+4.0f%%, Poisson model %+4.0f%%; p95 ITL %5.1f ms, clumped model %+4.0f%%",
				mix.Name, 100*load, 1e3*sim.TTFTP95, 100*et, 100*ep, 1e3*sim.ITLP95, 100*ei)
			if math.Abs(et) > 0.2 || math.Abs(ei) > 0.3 {
				t.Errorf("%s at %.0f%%: clumped model off by %+.0f%% (TTFT), %+.0f%% (ITL)", mix.Name, 100*load, 100*et, 100*ei)
			}
			if math.Abs(ep) <= math.Abs(et) {
				t.Errorf("%s at %.0f%%: the Poisson model (%+.0f%%) should be further off than the clumped one (%+.0f%%)", mix.Name, 100*load, 100*ep, 100*et)
			}
		}
	}
}
