package perfmodel

import (
	"math"
	"strings"
	"testing"
	"time"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// modelObservation is a window as the true parameters would report it, exactly.
func modelObservation(p Params, m Mix, rate float64) Observation {
	pr := Predict(p, h100Engine, m, rate)
	return Observation{Replicas: 2, Rate: 2 * rate, Requests: 500, Mix: m, TTFTMean: pr.TTFTMean, ITLMean: pr.ITLMean}
}

// TestLearnRecoversParameters: from a prior wrong by 2× (each direction), windows at
// varying loads bring the step overhead and the per-token cost within 10% of the truth,
// and the predicted percentiles within 5% of the true parameters' (the KV-read cost
// and the dispersion trade off a little on mean latencies; predictions do not move).
func TestLearnRecoversParameters(t *testing.T) {
	sat := saturation(t, h100, chat)
	for _, f := range [][3]float64{{2, 2, 2}, {0.5, 0.5, 0.5}, {2, 0.5, 2}, {0.5, 2, 0.5}} {
		s := NewState(h100.Scaled(f[0], f[1], f[2]), 1, "prior")
		for i := range 20 {
			load := 0.3 + 0.5*float64(i%5)/4
			var step Step
			s, step = Learn(s, modelObservation(h100, chat, load*sat), h100Engine, epoch.Add(time.Duration(i)*30*time.Second))
			if step.Outcome != OutcomeUpdated && step.Outcome != OutcomeRescaled {
				t.Errorf("prior ×%v window %d: %s (%s)", f, i, step.Outcome, step.Why)
			}
		}
		got := s.Params
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"alpha", got.Alpha, h100.Alpha}, {"beta", got.Beta, h100.Beta}} {
			if !within(c.got, c.want, 0.10) {
				t.Errorf("prior ×%v: %s %.4g, want %.4g ±10%%", f, c.name, c.got, c.want)
			}
		}
		for _, load := range []float64{0.2, 0.5, 0.8} {
			a, b := Predict(got, h100Engine, chat, load*sat), Predict(h100, h100Engine, chat, load*sat)
			if !within(a.TTFTQuantile(0.95), b.TTFTQuantile(0.95), 0.05) || !within(a.ITLQuantile(0.95), b.ITLQuantile(0.95), 0.05) {
				t.Errorf("prior ×%v at %.0f%%: learned p95 TTFT %.4g ITL %.4g, true %.4g %.4g (want within 5%%; γ %.3g, dispersion %.3f)",
					f, 100*load, a.TTFTQuantile(0.95), a.ITLQuantile(0.95), b.TTFTQuantile(0.95), b.ITLQuantile(0.95), got.Gamma, got.Dispersion)
			}
		}
		if s.Updates == 0 || s.LastUpdate.IsZero() || s.Age(epoch.Add(20*30*time.Second)) != 30*time.Second {
			t.Errorf("prior ×%v: updates %d, last update %v", f, s.Updates, s.LastUpdate)
		}
	}
}

// TestLearnRejectsOutliers: a converged state rejects a window five times slower, keeps
// its parameters, and after several such windows in a row widens its uncertainty to
// follow the change.
func TestLearnRejectsOutliers(t *testing.T) {
	sat := saturation(t, h100, chat)
	s := NewState(h100, 0.05, "prior")
	s.Updates = 50
	obs := modelObservation(h100, chat, 0.5*sat)
	obs.TTFTMean *= 5
	obs.ITLMean *= 5
	before := s
	for i := range resetAfter {
		var step Step
		s, step = Learn(s, obs, h100Engine, epoch)
		if step.Outcome != OutcomeRejected || step.NIS < gate[2] {
			t.Fatalf("window %d: outcome %s NIS %.2f, want rejected above %.3f", i, step.Outcome, step.NIS, gate[2])
		}
		if s.Params != before.Params {
			t.Fatalf("window %d: a rejected window moved the parameters", i)
		}
	}
	if s.Cov[0][0] < widened || s.Rejections != 0 {
		t.Errorf("after %d rejections: variance %.3f, rejections %d; want widened and reset", resetAfter, s.Cov[0][0], s.Rejections)
	}
	if _, step := Learn(s, obs, h100Engine, epoch); step.Outcome != OutcomeUpdated {
		t.Errorf("after widening the next window should be learned from, got %s (%s)", step.Outcome, step.Why)
	}
}

// TestLearnSkips: windows that cannot teach anything leave the state untouched.
func TestLearnSkips(t *testing.T) {
	s := NewState(h100, 1, "prior")
	good := modelObservation(h100, chat, 3)
	cases := map[string]Observation{
		"few requests":   func() Observation { o := good; o.Requests = 5; return o }(),
		"no replicas":    func() Observation { o := good; o.Replicas = 0; return o }(),
		"no latencies":   func() Observation { o := good; o.TTFTMean, o.ITLMean = 0, 0; return o }(),
		"invalid mix":    func() Observation { o := good; o.Mix.Input.Mean = math.NaN(); return o }(),
		"negative value": func() Observation { o := good; o.ITLMean = -1; return o }(),
	}
	for name, obs := range cases {
		got, step := Learn(s, obs, h100Engine, epoch)
		if step.Outcome != OutcomeSkipped || step.Why == "" || got != s {
			t.Errorf("%s: outcome %s (%q), state changed %v", name, step.Outcome, step.Why, got != s)
		}
	}
	if _, step := Learn(State{}, good, h100Engine, epoch); step.Outcome != OutcomeSkipped {
		t.Errorf("a state without parameters should skip, got %s", step.Outcome)
	}
}

// TestLearnRescalesOverload: parameters ten times too slow call the observed load an
// overload; the window rescales them so that they fit.
func TestLearnRescalesOverload(t *testing.T) {
	sat := saturation(t, h100, chat)
	s := NewState(h100.Scaled(10, 10, 10), 0.1, "prior")
	obs := modelObservation(h100, chat, 0.6*sat)
	got, step := Learn(s, obs, h100Engine, epoch)
	if step.Outcome != OutcomeRescaled {
		t.Fatalf("outcome %s (%s), want rescaled", step.Outcome, step.Why)
	}
	pr := Predict(got.Params, h100Engine, chat, obs.PerReplicaRate())
	if !pr.Stable || !within(pr.ITLMean, obs.ITLMean, 0.01) || got.Cov[0][0] < widened {
		t.Errorf("rescaled: stable %v, ITL %.4g vs observed %.4g, variance %.2f", pr.Stable, pr.ITLMean, obs.ITLMean, got.Cov[0][0])
	}
}

// TestFromObservation starts from the first window with a typical shape.
func TestFromObservation(t *testing.T) {
	obs := modelObservation(h100, chat, 4)
	s, err := FromObservation(h100.Scaled(3, 3, 3), obs, h100Engine)
	if err != nil {
		t.Fatal(err)
	}
	if !within(s.Params.Alpha, h100.Alpha, 0.02) || s.Source != "first-observation" {
		t.Errorf("alpha %.4g (want %.4g), source %q", s.Params.Alpha, h100.Alpha, s.Source)
	}
	if _, err := FromObservation(h100, Observation{Replicas: 1, Rate: 1, Mix: chat}, h100Engine); err == nil {
		t.Errorf("a window without latencies cannot start learning")
	}
}

// TestLearnSkipsReplicaChanges: a window during which replicas joined or left has no
// single per-replica rate, so it teaches nothing.
func TestLearnSkipsReplicaChanges(t *testing.T) {
	s := NewState(h100, 1, "prior")
	obs := modelObservation(h100, chat, 3)
	obs.Replicas = 2.5
	if got, step := Learn(s, obs, h100Engine, epoch); step.Outcome != OutcomeSkipped || !strings.Contains(step.Why, "replicas changed") || got != s {
		t.Errorf("outcome %s (%s)", step.Outcome, step.Why)
	}
}
