package forecast

import (
	"math"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// feed runs a forecaster over rates observed every step and returns the final state.
func feed(f Forecaster, rates []float64, step time.Duration) State {
	var s State
	for i, r := range rates {
		s = f.Update(s, Observation{Rate: r}, t0.Add(time.Duration(i)*step))
	}
	return s
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestHoltSteady: a steady rate is forecast as itself, with no trend and no headroom.
func TestHoltSteady(t *testing.T) {
	h := DefaultHolt()
	s := feed(h, repeat(40, 60), 30*time.Second)
	f := h.At(s, 150*time.Second)
	if !near(f.Rate, 40, 1e-9) || !near(s.Trend, 0, 1e-12) || f.Headroom > 1e-9 || !near(f.Planned, 40, 1e-9) {
		t.Errorf("steady 40/s: forecast %+v, trend %v", f, s.Trend)
	}
}

// TestHoltRamp: on a ramp the forecast looks ahead along it.
func TestHoltRamp(t *testing.T) {
	h := DefaultHolt()
	var rates []float64
	for i := range 40 {
		rates = append(rates, 10+float64(i)*1.5) // +1.5/s every 30 s = 0.05/s²
	}
	s := feed(h, rates, 30*time.Second)
	f := h.At(s, 150*time.Second)
	want := rates[len(rates)-1] + 0.05*150
	if !near(s.Trend, 0.05, 0.01) || !near(f.Rate, want, 1.5) {
		t.Errorf("ramp: trend %.4f (want 0.05), rate at +150 s %.2f (want %.2f)", s.Trend, f.Rate, want)
	}
	if f.Planned < f.Rate {
		t.Errorf("planned %.2f below the forecast %.2f", f.Planned, f.Rate)
	}
}

// TestHoltRisesFastFallsSlow: a step up is followed within one window, a step down
// only over minutes.
func TestHoltRisesFastFallsSlow(t *testing.T) {
	h := DefaultHolt()
	s := feed(h, append(repeat(10, 20), 40), 30*time.Second)
	if s.Level < 38 {
		t.Errorf("after a step 10→40 the level is %.2f, want ≥ 38 within one window", s.Level)
	}
	s = feed(h, append(repeat(40, 20), 10), 30*time.Second)
	if s.Level < 25 {
		t.Errorf("one window after a step 40→10 the level is %.2f, want it to fall slowly (≥ 25)", s.Level)
	}
	s = feed(h, append(repeat(40, 20), repeat(10, 20)...), 30*time.Second)
	if !near(s.Level, 10, 0.5) {
		t.Errorf("ten minutes after a step 40→10 the level is %.2f, want about 10", s.Level)
	}
}

// TestHoltHeadroom: a noisy or bursty rate earns headroom, a smooth one does not.
func TestHoltHeadroom(t *testing.T) {
	h := DefaultHolt()
	var noisy State
	for i := range 60 {
		r := 40.0 + 8*float64(i%2*2-1)
		noisy = h.Update(noisy, Observation{Rate: r, Peak: r * 1.5}, t0.Add(time.Duration(i)*30*time.Second))
	}
	f := h.At(noisy, time.Minute)
	if f.Headroom < 8 || f.Planned < f.Rate+8 {
		t.Errorf("noisy and bursty rate: headroom %.2f, want ≥ 8", f.Headroom)
	}
}

// TestUpdateIgnoresBadWindows: invalid, repeated or out-of-order windows change nothing.
func TestUpdateIgnoresBadWindows(t *testing.T) {
	for _, f := range []Forecaster{DefaultHolt(), Naive{Z: 1}} {
		s := feed(f, repeat(20, 5), 30*time.Second)
		for name, o := range map[string]Observation{"NaN rate": {Rate: math.NaN()}, "negative": {Rate: -1}, "infinite peak": {Rate: 1, Peak: math.Inf(1)}} {
			if got := f.Update(s, o, s.Updated.Add(time.Minute)); got != s {
				t.Errorf("%s: %s changed the state", f.Name(), name)
			}
		}
		if _, isHolt := f.(Holt); isHolt {
			if got := f.Update(s, Observation{Rate: 99}, s.Updated); got != s {
				t.Errorf("holt: a window at the same instant changed the state")
			}
		}
	}
}

// TestMixFollowsSlowly: the token mix starts at the first window and moves toward
// later ones over minutes; windows without a mix leave it.
func TestMixFollowsSlowly(t *testing.T) {
	h := DefaultHolt()
	a := perfmodel.Mix{Input: perfmodel.Tokens{Mean: 1000, SD: 500}, Output: perfmodel.Tokens{Mean: 200}}
	b := perfmodel.Mix{Input: perfmodel.Tokens{Mean: 4000, SD: 500}, Output: perfmodel.Tokens{Mean: 50}}
	s := h.Update(State{}, Observation{Rate: 1, Mix: a}, t0)
	if s.Mix != a {
		t.Fatalf("first window's mix not taken: %+v", s.Mix)
	}
	s = h.Update(s, Observation{Rate: 1, Mix: b}, t0.Add(30*time.Second))
	if !(s.Mix.Input.Mean > 1000 && s.Mix.Input.Mean < 2000) {
		t.Errorf("after one window of a new mix the input mean is %.0f, want between 1000 and 2000", s.Mix.Input.Mean)
	}
	before := s.Mix
	s = h.Update(s, Observation{Rate: 1}, t0.Add(time.Minute))
	if s.Mix != before {
		t.Errorf("a window without a mix moved it")
	}
}

// TestNew picks methods by name and rejects unknown ones with the fix.
func TestNew(t *testing.T) {
	for _, n := range []string{"", "holt", "naive"} {
		if _, err := New(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
	if _, err := New("arima"); err == nil {
		t.Errorf("unknown method accepted")
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestHoltStepIsNotARamp: a burst starting (10 → 40 in one window) raises the level at
// once; the trend it leaves is extrapolated at most a quarter above the level (it stands
// above the noise, so Significance counts it), and it fades once the level has stopped
// rising: three minutes on, the forecast is within a fortieth of the level.
func TestHoltStepIsNotARamp(t *testing.T) {
	h := DefaultHolt()
	s := feed(h, append(repeat(10, 20), 40, 40), 30*time.Second)
	if f := h.At(s, 150*time.Second); f.Rate > 50.01 {
		t.Errorf("after a step to 40 the forecast 150 s ahead is %.1f: more than a quarter above the level", f.Rate)
	}
	s = feed(h, append(repeat(10, 20), repeat(40, 6)...), 30*time.Second)
	if f := h.At(s, 150*time.Second); f.Rate > 41 {
		t.Errorf("after a step to 40 the forecast 150 s ahead is %.1f: a step is taken for a ramp", f.Rate)
	}
}
