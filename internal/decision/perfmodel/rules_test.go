package perfmodel

import (
	"math"
	"testing"
)

// TestPredictRules pins the queueing model's formulas and limits one rule per case
// (see testdata/mutations.yaml for the mistakes each catches).
func TestPredictRules(t *testing.T) {
	sat := saturation(t, h100, chat)

	// Utilisation per request/s is the prompt's work plus the decode work, each decode
	// step reading the prompt and, on average, half the answer: for 1024 prompt and 128
	// answer tokens, 127 decode steps over a mean context of 1024 + 64 tokens.
	want := (h100.Beta+h100.Gamma)*1024 + 127*(h100.Beta+h100.Gamma*1088)
	if got := Predict(h100, Engine{}, fixedMix, 1).Utilisation; !within(got, want, 1e-12) {
		t.Errorf("utilisation per request/s %.6g, want %.6g", got, want)
	}

	// Clumped arrivals queue prompts without adding work: same utilisation, longer TTFT.
	clumped := h100
	clumped.Dispersion = 4
	poisson, clumps := Predict(h100, Engine{}, chat, 0.5*sat), Predict(clumped, Engine{}, chat, 0.5*sat)
	if clumps.Utilisation != poisson.Utilisation || !(clumps.TTFTMean > 1.5*poisson.TTFTMean) {
		t.Errorf("clumps of 4: utilisation %v (Poisson %v), TTFT %.4g s (Poisson %.4g s); want the same work and a longer wait",
			clumps.Utilisation, poisson.Utilisation, clumps.TTFTMean, poisson.TTFTMean)
	}

	// An idle engine starts a prompt at once, in one step: α plus the prompt's cost.
	idle := Predict(h100, Engine{}, fixedMix, 1e-6)
	first := h100.Alpha + (h100.Beta+h100.Gamma)*1024
	if a, b := idle.TTFTSurvival(first-0.002), idle.TTFTSurvival(first+0.002); a < 0.99 || b > 0.01 {
		t.Errorf("idle engine, first token after %.4f s: %.3f of requests later than 2 ms before it (want all), %.3f later than 2 ms after it (want none)", first, a, b)
	}

	// One-token answers have no inter-token latency: none of them misses an ITL target.
	oneToken := Mix{Input: Tokens{Mean: 1024}, Output: Tokens{Mean: 1}}
	pr := Predict(h100, Engine{}, oneToken, 0.5*saturation(t, h100, oneToken))
	if s := pr.ITLSurvival(h100.Alpha / 10); s != 0 {
		t.Errorf("one-token answers: %.3f of them over an ITL limit, want none", s)
	}

	// A request misses when its TTFT or its ITL is over the limit, taken as independent.
	pr = Predict(h100, h100Engine, chat, 0.7*sat)
	tg := Target{TTFT: pr.TTFTQuantile(0.9), ITL: pr.ITLQuantile(0.9), Share: 1}
	a, b := pr.TTFTSurvival(tg.TTFT), pr.ITLSurvival(tg.ITL)
	if got := pr.Miss([]Target{tg}); !within(got, a+b-a*b, 1e-12) || !(a > 0.05 && b > 0.05) {
		t.Errorf("miss %.4f with TTFT %.4f and ITL %.4f over their limits, want %.4f", got, a, b, a+b-a*b)
	}
}

// TestPredictEngineLimits: a replica is unstable once the predicted KV cache passes
// 95% of its size, the requests running pass max_num_seqs, or the prompts need more
// steps than the engine has (λ·E[I]/budget steps a second, (1−ρ)/α available); just
// within each limit it is stable.
func TestPredictEngineLimits(t *testing.T) {
	sat := saturation(t, h100, chat)
	rate := 0.5 * sat
	ref := Predict(h100, Engine{KVTokens: 1e9}, chat, rate)
	held := ref.KVUsage * 1e9
	if pr := Predict(h100, Engine{KVTokens: int(held / 0.97)}, chat, rate); pr.Stable {
		t.Errorf("KV cache 97%% used (%.0f of %.0f tokens): stable, want unstable above 95%%", held, held/0.97)
	}
	if pr := Predict(h100, Engine{KVTokens: int(held / 0.9)}, chat, rate); !pr.Stable || !within(pr.KVUsage, 0.9, 1e-3) {
		t.Errorf("KV cache 90%% used: stable %v usage %.3f, want stable at 0.9", pr.Stable, pr.KVUsage)
	}
	running := ref.Running
	if pr := Predict(h100, Engine{MaxNumSeqs: int(0.8 * running)}, chat, rate); pr.Stable {
		t.Errorf("%.1f running, max_num_seqs %d: stable, want unstable", running, int(0.8*running))
	}
	if pr := Predict(h100, Engine{MaxNumSeqs: int(running) + 1}, chat, rate); !pr.Stable {
		t.Errorf("%.1f running, max_num_seqs %d: unstable, want stable", running, int(running)+1)
	}
	checked := 0
	for _, m := range []Mix{fixedMix, chat, longAnswer, longPrompt} {
		s := saturation(t, h100, m)
		for _, budget := range []int{64, 128, 256, 512, 1024} {
			for f := 0.05; f < 1; f += 0.05 {
				pr := Predict(h100, Engine{MaxBatchedTokens: budget}, m, f*s)
				if f*s*m.Input.Mean/float64(budget) >= (1-pr.Utilisation)/h100.Alpha {
					checked++
					if pr.Stable {
						t.Errorf("input %v, budget %d, %.0f%% of saturation: prompts need more steps than the engine has, yet stable", m.Input.Mean, budget, 100*f)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no case where the token budget binds")
	}
}

// TestMaxStableRate: with the KV cache binding before utilisation, the most stable rate
// is stable and 1% more is not.
func TestMaxStableRate(t *testing.T) {
	e := Engine{KVTokens: 30000}
	r := MaxStableRate(h100, e, chat)
	if !(r > 0) || !Predict(h100, e, chat, r).Stable || Predict(h100, e, chat, 1.01*r).Stable {
		t.Errorf("max stable rate %v: stable %v, 1%% more stable %v; want the edge", r, Predict(h100, e, chat, r).Stable, Predict(h100, e, chat, 1.01*r).Stable)
	}
	if r >= 0.99*saturation(t, h100, chat) {
		t.Errorf("max stable rate %v is the utilisation limit: the KV cache should bind first", r)
	}
}

// TestLearnRules pins the learner's boundaries.
func TestLearnRules(t *testing.T) {
	sat := saturation(t, h100, chat)

	// A window of exactly minRequests requests is learned from.
	obs := modelObservation(h100, chat, 0.5*sat)
	obs.Requests = minRequests
	if _, step := Learn(NewState(h100.Scaled(1.2, 1.2, 1.2), 0.5, "prior"), obs, h100Engine, epoch); step.Outcome != OutcomeUpdated {
		t.Errorf("a window of exactly %d requests: %s (%s), want updated", minRequests, step.Outcome, step.Why)
	}

	// A converged state rejects a window 30% slower (NIS just past the gate) and learns
	// from one 20% slower (below it).
	for _, c := range []struct {
		slower float64
		want   Outcome
	}{{1.3, OutcomeRejected}, {1.2, OutcomeUpdated}} {
		o := modelObservation(h100, chat, 0.5*sat)
		o.TTFTMean *= c.slower
		o.ITLMean *= c.slower
		if _, step := Learn(NewState(h100, 0.05, "prior"), o, h100Engine, epoch); step.Outcome != c.want {
			t.Errorf("window %.0f%% slower: %s (NIS %.2f, gate %.3f), want %s", 100*(c.slower-1), step.Outcome, step.NIS, gate[2], c.want)
		}
	}

	// Each update allows for drift, so a converged state keeps an uncertainty of at least
	// the drift of one update and can still follow a change.
	s := NewState(h100, 0.05, "prior")
	for i := range 200 {
		s, _ = Learn(s, modelObservation(h100, chat, (0.3+0.1*float64(i%5))*sat), h100Engine, epoch)
	}
	if q := processNoise[0] * processNoise[0]; s.Cov[0][0] < q {
		t.Errorf("after 200 exact windows the variance of ln α is %.3g, want at least the drift %.3g", s.Cov[0][0], q)
	}
}

// TestEwma: the fit error is a plain mean over the first ten updates, then a moving
// average over about ten.
func TestEwma(t *testing.T) {
	cases := []struct {
		prev, x float64
		n       int
		want    float64
	}{
		{0, 0.3, 1, 0.3},
		{0.3, 0.1, 2, 0.2},
		{0.2, 0.5, 4, 0.275},
		{0.2, 1.2, 20, 0.3},
	}
	for _, c := range cases {
		if got := ewma(c.prev, c.x, c.n); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ewma(%v, %v, %d) = %v, want %v", c.prev, c.x, c.n, got, c.want)
		}
	}
}
