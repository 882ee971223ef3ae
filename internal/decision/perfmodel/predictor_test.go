package perfmodel

import (
	"math"
	"testing"
)

// TestPredictorIsPredict: a Predictor prepares the mix once and must give exactly
// Predict's answers (bit for bit: decisions compare them), over mixes, engines and
// loads from idle to overload, and the latency distributions with them.
func TestPredictorIsPredict(t *testing.T) {
	engines := []Engine{{}, h100Engine, {MaxBatchedTokens: 512, MaxNumSeqs: 64, KVTokens: 200000}}
	targets := []Target{{TTFT: 0.5, ITL: 0.024, Share: 0.3}, {TTFT: 1, ITL: 0.05, Share: 0.7}}
	for name, m := range mixes {
		for _, e := range engines {
			pd := NewPredictor(h100, e, m)
			sat := saturation(t, h100, m)
			for _, load := range []float64{0, 0.05, 0.3, 0.6, 0.9, 0.99, 1.2} {
				want, got := Predict(h100, e, m, load*sat), pd.Predict(load*sat)
				same := func(what string, a, b float64) {
					if math.Float64bits(a) != math.Float64bits(b) {
						t.Errorf("%s, engine %+v, load %.2f: %s %v from the predictor, %v from Predict", name, e, load, what, b, a)
					}
				}
				same("TTFT mean", want.TTFTMean, got.TTFTMean)
				same("ITL mean", want.ITLMean, got.ITLMean)
				same("utilisation", want.Utilisation, got.Utilisation)
				same("running", want.Running, got.Running)
				same("miss", want.Miss(targets), got.Miss(targets))
				same("p95 TTFT", want.TTFTQuantile(0.95), got.TTFTQuantile(0.95))
				same("p95 ITL", want.ITLQuantile(0.95), got.ITLQuantile(0.95))
				if want.Stable != got.Stable {
					t.Errorf("%s, load %.2f: stable %v from the predictor, %v from Predict", name, load, got.Stable, want.Stable)
				}
			}
		}
	}
}
