package perfcheck

import (
	"math"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// priors are the ways the learning test's priors are wrong: every parameter off by a
// factor of two, in each direction and mixed.
var priors = [][3]float64{{2, 2, 2}, {0.5, 0.5, 0.5}, {2, 0.5, 2}, {0.5, 2, 0.5}}

// TestLearningFromWrongPrior: from a prior wrong by 2× in every parameter, ten simulated
// minutes of traffic (one window every 30 s, load swinging between 30% and 80% of
// saturation) bring the predicted p95 TTFT and ITL within 20% of the simulated replica's
// at 20%, 50% and 90% of saturation.
func TestLearningFromWrongPrior(t *testing.T) {
	v, err := LoadVariant("llama-3.1-8b-h100-80gb")
	if err != nil {
		t.Fatal(err)
	}
	mix := Mixes()[1] // the conversation trace's mix
	sat, err := Saturation(v, mix, 1)
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		rate float64
		sim  Measured
	}
	var cells []cell
	for _, load := range []float64{0.2, 0.5, 0.9} {
		rate := load * sat
		sim, err := Simulate(v, mix, rate, max(10*time.Minute, time.Duration(minRequests/rate*float64(time.Second))), 2)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, cell{rate, sim})
	}
	for _, prior := range priors {
		run, err := LearnRun(v, mix, prior, 0.3*sat, 0.8*sat, 10*time.Minute, 30*time.Second, 3)
		if err != nil {
			t.Fatal(err)
		}
		learned := run.Final()
		updated := 0
		for _, s := range run.Steps {
			if s.Outcome == perfmodel.OutcomeUpdated || s.Outcome == perfmodel.OutcomeRescaled {
				updated++
			}
		}
		t.Logf("prior ×%v: %d of %d windows learned from; α %.3g (true %.3g), β %.3g (%.3g), γ %.3g (%.3g); fit error %.1f%%",
			prior, updated, len(run.Steps), learned.Alpha, v.Model.Alpha, learned.Beta, v.Model.Beta, learned.Gamma, v.Model.Gamma, 100*run.States[len(run.States)-1].FitError)
		if len(run.Steps) != 20 || updated < 15 {
			t.Errorf("prior ×%v: %d windows, %d learned from; want 20 windows, most learned from", prior, len(run.Steps), updated)
		}
		for _, c := range cells {
			pr := perfmodel.Predict(learned, v.Engine, mix.Tokens, c.rate)
			et, ei := pr.TTFTQuantile(0.95)/c.sim.TTFTP95-1, pr.ITLQuantile(0.95)/c.sim.ITLP95-1
			if math.Abs(et) > 0.2 || math.Abs(ei) > 0.2 {
				t.Errorf("prior ×%v at %.2f/s: learned model's p95 TTFT off by %+.0f%%, ITL by %+.0f%% from the simulation (limit 20%%)", prior, c.rate, 100*et, 100*ei)
			}
		}
		// The prior itself was far off: the test would fail without learning.
		prPrior := perfmodel.Predict(v.Model.Scaled(prior[0], prior[1], prior[2]), v.Engine, mix.Tokens, cells[1].rate)
		if e := prPrior.ITLQuantile(0.95)/cells[1].sim.ITLP95 - 1; prPrior.Stable && math.Abs(e) < 0.2 {
			t.Errorf("prior ×%v already predicts the ITL within %+.0f%%: the test shows nothing", prior, 100*e)
		}
	}
}
