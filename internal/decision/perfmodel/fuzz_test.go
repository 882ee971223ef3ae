package perfmodel

import (
	"math"
	"testing"
	"time"
)

// finite reports whether v is a finite number.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// FuzzPredict: for any parameters, mix and rate the model answers without NaN, its
// survival functions stay in [0, 1] and never rise, and the miss is a share.
func FuzzPredict(f *testing.F) {
	f.Add(6.4e-3, 40e-6, 52e-9, 1150.0, 1100.0, 210.0, 160.0, 5.0, 8192, 440000)
	f.Add(1e-3, 1e-7, 1e-12, 1.0, 0.0, 1.0, 0.0, 1e-9, 0, 0)
	f.Add(0.5, 1e-2, 1e-4, 100000.0, 1e6, 5000.0, 1.0, 1e3, 16, 100)
	f.Fuzz(func(t *testing.T, a, b, g, in, inSD, out, outSD, rate float64, budget, kv int) {
		p := Params{Alpha: a, Beta: b, Gamma: g}
		m := Mix{Input: Tokens{Mean: in, SD: inSD}, Output: Tokens{Mean: out, SD: outSD}}
		if p.Validate() != nil || m.Validate() != nil || !finite(rate) || in > 1e7 || out > 1e7 || inSD > 1e7 || outSD > 1e7 {
			return
		}
		e := Engine{MaxBatchedTokens: max(budget, 0), KVTokens: max(kv, 0)}
		pr := Predict(p, e, m, rate)
		if math.IsNaN(pr.TTFTMean) || math.IsNaN(pr.ITLMean) || math.IsNaN(pr.Utilisation) {
			t.Fatalf("NaN prediction: %+v", pr)
		}
		if pr.Stable && (!finite(pr.TTFTMean) || !finite(pr.ITLMean) || pr.TTFTMean <= 0 || pr.ITLMean <= 0) {
			t.Fatalf("stable prediction with latencies %v, %v", pr.TTFTMean, pr.ITLMean)
		}
		prevT, prevI := 1.0, 1.0
		for x := 1e-4; x < 1e4; x *= 1.7 {
			st, si := pr.TTFTSurvival(x), pr.ITLSurvival(x)
			if !(st >= 0 && st <= 1+1e-12 && si >= 0 && si <= 1+1e-12) {
				t.Fatalf("survival out of [0,1] at %g: %v, %v", x, st, si)
			}
			if st > prevT+1e-9 || si > prevI+1e-9 {
				t.Fatalf("survival rose at %g: TTFT %v→%v, ITL %v→%v", x, prevT, st, prevI, si)
			}
			prevT, prevI = st, si
		}
		if miss := pr.Miss([]Target{{TTFT: 1, ITL: 0.05, Share: 1}}); !(miss >= 0 && miss <= 1+1e-12) {
			t.Fatalf("miss %v not a share", miss)
		}
	})
}

// FuzzLearn: whatever the windows say, the parameters stay positive, finite and within
// bounds, and the covariance keeps a non-negative, finite diagonal.
func FuzzLearn(f *testing.F) {
	f.Add(2.0, 0.5, 2.0, 4.0, 0.08, 0.012, 300.0)
	f.Add(1.0, 1.0, 1.0, 1e-6, 1e3, 1e-9, 20.0)
	f.Add(0.1, 10.0, 0.1, 50.0, 1e-6, 10.0, 1e9)
	f.Fuzz(func(t *testing.T, ka, kb, kg, rate, ttft, itl, requests float64) {
		for _, v := range []float64{ka, kb, kg} {
			if !(v > 1e-3 && v < 1e3) {
				return
			}
		}
		s := NewState(h100.Scaled(ka, kb, kg), 1, "fuzz")
		obs := Observation{Replicas: 1, Rate: rate, Requests: requests, Mix: chat, TTFTMean: ttft, ITLMean: itl}
		for i := range 3 {
			s, _ = Learn(s, obs, h100Engine, epoch.Add(time.Duration(i)*time.Minute))
		}
		if err := s.Params.Validate(); err != nil {
			t.Fatalf("parameters after learning: %v", err)
		}
		x := logParams(s.Params)
		for i := range 3 {
			if x[i] < logLo[i]-1e-9 || x[i] > logHi[i]+1e-9 {
				t.Fatalf("parameter %d out of bounds: %v", i, s.Params)
			}
			if !(s.Cov[i][i] >= 0) || !finite(s.Cov[i][i]) {
				t.Fatalf("covariance diagonal %d: %v", i, s.Cov[i][i])
			}
		}
	})
}
