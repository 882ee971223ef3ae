package perfmodel

import (
	"math"
	"testing"
)

// h100 are step coefficients close to Llama-3.1-8B on one H100 (the servermodel
// profile's), with its engine limits.
var (
	h100       = Params{Alpha: 6.39e-3, Beta: 40.6e-6, Gamma: 52e-9}
	h100Engine = Engine{MaxNumSeqs: 1024, MaxBatchedTokens: 8192, KVTokens: 440128}
	chat       = Mix{Input: Tokens{Mean: 1150, SD: 1100}, Output: Tokens{Mean: 210, SD: 160}}
	longPrompt = Mix{Input: Tokens{Mean: 4000, SD: 2000}, Output: Tokens{Mean: 50, SD: 30}}
	longAnswer = Mix{Input: Tokens{Mean: 300, SD: 200}, Output: Tokens{Mean: 1000, SD: 400}}
	fixedMix   = Mix{Input: Tokens{Mean: 1024}, Output: Tokens{Mean: 128}}
	slo        = []Target{{TTFT: 1, ITL: 0.05, Share: 1}}
)

// within reports whether got is within rel of want.
func within(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// mixes are the token mixes the property tests sweep.
var mixes = map[string]Mix{"chat": chat, "long-prompt": longPrompt, "long-answer": longAnswer, "fixed": fixedMix}

// saturation is the rate at which utilisation reaches one.
func saturation(t testing.TB, p Params, m Mix) float64 {
	t.Helper()
	u := Predict(p, Engine{}, m, 1).Utilisation
	if !(u > 0) {
		t.Fatalf("utilisation per request %v", u)
	}
	return 1 / u
}
