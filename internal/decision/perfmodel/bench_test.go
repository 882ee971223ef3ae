package perfmodel

import "testing"

var benchSink float64

func benchSetup(*testing.B) (Params, Engine, Mix) { return h100, h100Engine, chat }

// BenchmarkPredict is one prediction with the miss share against one target.
func BenchmarkPredict(b *testing.B) {
	p, e, m := benchSetup(b)
	t := []Target{{TTFT: 1, ITL: 0.05, Share: 1}}
	for b.Loop() {
		pr := Predict(p, e, m, 8)
		benchSink = pr.Miss(t)
	}
}

// BenchmarkSustainableRate is the per-variant figure the solver needs each decision.
func BenchmarkSustainableRate(b *testing.B) {
	p, e, m := benchSetup(b)
	t := []Target{{TTFT: 1, ITL: 0.05, Share: 1}}
	for b.Loop() {
		benchSink = SustainableRate(p, e, m, t, 0.95)
	}
}
