package perfmodel

import (
	"math"
	"testing"
)

// TestLearnDoesNotRescaleToACongestedWindow: parameters right for the replica call a
// window of a replica in overload (latency many times the light-load one, queues from a
// surge) unstable; rescaling them to call it stable would make them optimistic just when
// load is highest, so the window is skipped.
func TestLearnDoesNotRescaleToACongestedWindow(t *testing.T) {
	sat := saturation(t, h100, chat)
	s := NewState(h100, 0.1, "prior")
	light := Predict(h100, h100Engine, chat, 0.2*MaxStableRate(h100, h100Engine, chat))
	obs := Observation{Replicas: 2, Rate: 2 * 1.3 * sat, Requests: 500, Mix: chat, TTFTMean: 20, ITLMean: 5 * light.ITLMean}
	got, step := Learn(s, obs, h100Engine, epoch)
	same := within(got.Params.Alpha, h100.Alpha, 1e-9) && within(got.Params.Beta, h100.Beta, 1e-9) && within(got.Params.Gamma, h100.Gamma, 1e-9)
	if step.Outcome != OutcomeSkipped || !same {
		t.Fatalf("outcome %s (%s), params %+v: want the congested window skipped", step.Outcome, step.Why, got.Params)
	}
}

// TestTrustRegionBoundsOneWindowsStep: no parameter moves by more than maxStep in one
// update.
func TestTrustRegionBoundsOneWindowsStep(t *testing.T) {
	from := [nParams]float64{0, 0, 0, 0}
	to := [nParams]float64{3, -3, 0.1, -0.2}
	got := trustRegion(from, to)
	lim := math.Log(maxStep)
	want := [nParams]float64{lim, -lim, 0.1, -0.2}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("trustRegion(%v, %v) = %v, want %v", from, to, got, want)
		}
	}
}
