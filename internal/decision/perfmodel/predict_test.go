package perfmodel

import (
	"math"
	"testing"
)

// TestPredictIdle checks the model's limit at a vanishing load: a request runs alone,
// its first token after one step with its prompt, its other tokens one step apart.
func TestPredictIdle(t *testing.T) {
	p := h100
	pr := Predict(p, h100Engine, fixedMix, 1e-6)
	wantTTFT := p.Alpha + (p.Beta+p.Gamma)*1024
	if !within(pr.TTFTMean, wantTTFT, 0.01) {
		t.Errorf("idle TTFT %.4f s, want %.4f", pr.TTFTMean, wantTTFT)
	}
	wantITL := p.Alpha + p.Beta + p.Gamma*(1024+64)
	if !within(pr.ITLMean, wantITL, 0.01) {
		t.Errorf("idle ITL %.5f s, want %.5f", pr.ITLMean, wantITL)
	}
	if pr.Busy > 0.01 || pr.Running > 0.01 {
		t.Errorf("idle busy %.3f running %.3f, want about 0", pr.Busy, pr.Running)
	}
}

// TestPredictGrowsWithLoad: every latency figure rises with the rate, for every mix.
func TestPredictGrowsWithLoad(t *testing.T) {
	for name, m := range mixes {
		sat := saturation(t, h100, m)
		prev := Predict(h100, h100Engine, m, 0.05*sat)
		for f := 0.1; f < 0.95; f += 0.05 {
			pr := Predict(h100, h100Engine, m, f*sat)
			if !pr.Stable {
				break // the KV cache may bind before utilisation does
			}
			for _, c := range []struct {
				what      string
				prev, now float64
				slack     float64 // quantiles are found to 0.5%
			}{
				{"TTFT mean", prev.TTFTMean, pr.TTFTMean, 1e-6},
				{"ITL mean", prev.ITLMean, pr.ITLMean, 1e-6},
				{"TTFT p95", prev.TTFTQuantile(0.95), pr.TTFTQuantile(0.95), 1e-2},
				{"ITL p95", prev.ITLQuantile(0.95), pr.ITLQuantile(0.95), 1e-2},
				{"running", prev.Running, pr.Running, 1e-6},
			} {
				if c.now < c.prev*(1-c.slack) {
					t.Errorf("%s at %.0f%% of saturation: %s fell from %.5g to %.5g", name, 100*f, c.what, c.prev, c.now)
				}
			}
			prev = pr
		}
	}
}

// TestPredictPercentileAboveMean: the 95th percentile is above the mean and below the
// 99th, for every mix and load.
func TestPredictPercentileAboveMean(t *testing.T) {
	for name, m := range mixes {
		sat := saturation(t, h100, m)
		for _, f := range []float64{0.2, 0.5, 0.8} {
			pr := Predict(h100, h100Engine, m, f*sat)
			if !pr.Stable {
				continue
			}
			t95, t99 := pr.TTFTQuantile(0.95), pr.TTFTQuantile(0.99)
			if !(t95 > pr.TTFTMean && t99 > t95) {
				t.Errorf("%s at %.0f%%: TTFT mean %.4g p95 %.4g p99 %.4g not increasing", name, 100*f, pr.TTFTMean, t95, t99)
			}
			i50, i95 := pr.ITLQuantile(0.5), pr.ITLQuantile(0.95)
			if !(i95 > i50) {
				t.Errorf("%s at %.0f%%: ITL p50 %.4g p95 %.4g not increasing", name, 100*f, i50, i95)
			}
		}
	}
}

// TestPredictUnstable: at or beyond the utilisation limit, or with a KV cache too small
// for the requests in flight, the replica cannot keep up.
func TestPredictUnstable(t *testing.T) {
	sat := saturation(t, h100, chat)
	cases := []struct {
		name string
		e    Engine
		rate float64
	}{
		{"utilisation 1", Engine{}, sat},
		{"utilisation above 1", Engine{}, 2 * sat},
		{"kv cache too small", Engine{KVTokens: 20000}, 0.5 * sat},
		{"max_num_seqs too small", Engine{MaxNumSeqs: 2}, 0.5 * sat},
		{"token budget too small", Engine{MaxBatchedTokens: 16}, 0.5 * sat},
	}
	for _, c := range cases {
		pr := Predict(h100, c.e, chat, c.rate)
		if pr.Stable || !math.IsInf(pr.TTFTMean, 1) || pr.Miss(slo) != 1 || !math.IsInf(pr.ITLQuantile(0.95), 1) {
			t.Errorf("%s: stable %v, TTFT %v, miss %v; want unstable, +Inf, 1", c.name, pr.Stable, pr.TTFTMean, pr.Miss(slo))
		}
	}
	if pr := Predict(h100, h100Engine, chat, 0.5*sat); !pr.Stable {
		t.Errorf("half load on a real engine should be stable")
	}
}

// TestSurvivalShape: survival functions run from 1 to 0 and never rise.
func TestSurvivalShape(t *testing.T) {
	for name, m := range mixes {
		pr := Predict(h100, h100Engine, m, 0.5*saturation(t, h100, m))
		prevT, prevI := 1.0, 1.0
		for x := 0.0; x < 20; x += 0.01 {
			st, si := pr.TTFTSurvival(x), pr.ITLSurvival(x/50)
			if st > prevT+1e-12 || si > prevI+1e-12 || st < 0 || si < 0 {
				t.Fatalf("%s: survival rose or went negative at %.3f: TTFT %.6g (was %.6g), ITL %.6g (was %.6g)", name, x, st, prevT, si, prevI)
			}
			prevT, prevI = st, si
		}
		if pr.TTFTSurvival(0) < 0.999 || prevT > 1e-6 || prevI > 1e-6 {
			t.Errorf("%s: survival should run from 1 to 0 (start %.4f, end %.2g/%.2g)", name, pr.TTFTSurvival(0), prevT, prevI)
		}
	}
}

// TestMomentsSurvival checks the shifted-gamma survival against known quantiles: an
// exponential (skew 2), a chi-square with 4 degrees of freedom, and a normal.
func TestMomentsSurvival(t *testing.T) {
	cases := []struct {
		name string
		m    moments3
		x    float64
		want float64
	}{
		{"exponential p95", moments3{mean: 1, variance: 1, third: 2}, math.Log(20), 0.05},
		{"chi-square(4) p95", moments3{mean: 4, variance: 8, third: 32}, 9.4877, 0.05},
		{"normal p95", moments3{mean: 10, variance: 4}, 10 + 2*1.6449, 0.05},
		{"point mass below", moments3{mean: 3}, 2.9, 1},
		{"point mass above", moments3{mean: 3}, 3.1, 0},
	}
	for _, c := range cases {
		if got := c.m.survival(c.x); math.Abs(got-c.want) > 0.004 {
			t.Errorf("%s: survival(%.4f) = %.4f, want %.4f", c.name, c.x, got, c.want)
		}
	}
}

// TestSlicesKeepTheMean: the length slices average to the distribution's mean and
// bracket its spread.
func TestSlicesKeepTheMean(t *testing.T) {
	for _, tk := range []Tokens{{Mean: 1150, SD: 1100}, {Mean: 50, SD: 30}, {Mean: 300}} {
		var out [points]float64
		tk.slices(&out)
		mean := 0.0
		for i, v := range out {
			mean += sliceWeights[i] * v
			if i > 0 && v < out[i-1] {
				t.Errorf("%+v: slices not increasing at %d", tk, i)
			}
		}
		if !within(mean, tk.Mean, 0.005) {
			t.Errorf("%+v: slices average %.2f, want %.2f", tk, mean, tk.Mean)
		}
	}
}
