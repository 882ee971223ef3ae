package feedback

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// h is a histogram over bounds 0.1, 0.5, 1 and 2 s.
func h(counts ...float64) Histogram {
	return Histogram{Bounds: []float64{0.1, 0.5, 1, 2}, Counts: counts}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestShareAbove(t *testing.T) {
	cases := []struct {
		name   string
		h      Histogram
		limit  float64
		lo, hi float64
		ok     bool
	}{
		{"limit on a bound: exact", h(10, 20, 30, 30, 10), 1, 0.4, 0.4, true},
		{"limit inside a bucket: that bucket may fall either side", h(10, 20, 30, 30, 10), 0.7, 0.4, 0.7, true},
		{"limit below the first bound", h(10, 20, 30, 30, 10), 0.05, 0.9, 1, true},
		{"limit beyond the last bound: only +Inf may miss", h(10, 20, 30, 30, 10), 5, 0, 0.1, true},
		{"empty window", h(0, 0, 0, 0, 0), 1, 0, 0, false},
		{"no histogram", Histogram{}, 1, 0, 0, false},
		{"counts do not match bounds", h(1, 2, 3), 1, 0, 0, false},
	}
	for _, c := range cases {
		lo, hi, ok := c.h.ShareAbove(c.limit)
		if ok != c.ok || !near(lo, c.lo) || !near(hi, c.hi) {
			t.Errorf("%s: ShareAbove(%v) = %v, %v, %v; want %v, %v, %v", c.name, c.limit, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
}

// TestShareAboveEstimateSpreadsTheStraddlingBucket: a limit 30% of the way into a
// bucket leaves 70% of that bucket's observations above it.
func TestShareAboveEstimateSpreadsTheStraddlingBucket(t *testing.T) {
	cases := []struct {
		limit, want float64
	}{
		{0.65, 0.4 + 0.7*0.3}, // 30% into (0.5, 1]
		{1, 0.4},              // on a bound: exact
		{5, 0.1},              // in the +Inf bucket: counted above
		{0.05, 0.9 + 0.5*0.1}, // half way into (0, 0.1]
	}
	for _, c := range cases {
		got, ok := h(10, 20, 30, 30, 10).ShareAboveEstimate(c.limit)
		if !ok || !near(got, c.want) {
			t.Errorf("ShareAboveEstimate(%v) = %v, %v; want %v", c.limit, got, ok, c.want)
		}
	}
	w := Latency{TTFT: h(50, 30, 10, 6, 4), TPOT: Histogram{Bounds: []float64{0.01, 0.025, 0.05}, Counts: []float64{10, 80, 9, 1}}}
	est, ok := w.MissEstimate([]perfmodel.Target{{TTFT: 0.5, ITL: 0.024}})
	a, b := 0.2, 0.1+0.8*(0.001/0.015)
	if !ok || !near(est, a+b-a*b) {
		t.Errorf("MissEstimate = %v, %v; want %v: a 24 ms limit in a (10, 25] ms bucket leaves a fifteenth of it above", est, ok, a+b-a*b)
	}
}

func TestHistogramValidateNamesTheFault(t *testing.T) {
	cases := []struct {
		h    Histogram
		says string
	}{
		{Histogram{Bounds: []float64{1, 2}, Counts: []float64{1, 2}}, "2 counts for 2 bounds"},
		{Histogram{Bounds: []float64{2, 1}, Counts: []float64{1, 2, 3}}, "bound 1 (1)"},
		{Histogram{Bounds: []float64{1, 2}, Counts: []float64{1, -2, 3}}, "count 1 (-2)"},
		{Histogram{Bounds: []float64{1, 2}, Counts: []float64{1, math.NaN(), 3}}, "count 1 (NaN)"},
	}
	for _, c := range cases {
		if err := c.h.Validate(); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: error %v, want one naming %q", c.h, err, c.says)
		}
	}
	if err := (Histogram{}).Validate(); err != nil {
		t.Errorf("an empty histogram is valid (no observation): %v", err)
	}
}

// TestMissTakesTheWorstTargetAndCombinesBothLatencies: a request misses when its TTFT or
// its time per output token is over the target (combined as independent), and the model
// is judged by the class that fares worst.
func TestMissTakesTheWorstTargetAndCombinesBothLatencies(t *testing.T) {
	w := Latency{
		TTFT: h(50, 30, 10, 6, 4),                                                             // 10% over 1 s, 20% over 0.5 s
		TPOT: Histogram{Bounds: []float64{0.025, 0.05, 0.1}, Counts: []float64{80, 15, 4, 1}}, // 5% over 50 ms, 20% over 25 ms
	}
	lo, hi, n, ok := w.Miss([]perfmodel.Target{{TTFT: 1, ITL: 0.05}})
	if !ok || n != 100 || !near(lo, 0.145) || !near(hi, 0.145) {
		t.Fatalf("one target: %v, %v, %v, %v; want 0.1 + 0.05 - 0.005 = 0.145 of 100", lo, hi, n, ok)
	}
	lo, hi, _, _ = w.Miss([]perfmodel.Target{{TTFT: 1, ITL: 0.05}, {TTFT: 0.5, ITL: 0.025}})
	if !near(lo, 0.36) || !near(hi, 0.36) {
		t.Fatalf("two targets: %v, %v; want the tighter one's 0.2 + 0.2 - 0.04 = 0.36", lo, hi)
	}
	only := Latency{TTFT: w.TTFT}
	if lo, _, _, ok := only.Miss([]perfmodel.Target{{TTFT: 1, ITL: 0.05}}); !ok || !near(lo, 0.1) {
		t.Fatalf("without TPOT observations only TTFT counts: %v, %v", lo, ok)
	}
	if _, _, _, ok := (Latency{}).Miss([]perfmodel.Target{{TTFT: 1, ITL: 0.05}}); ok {
		t.Fatal("an empty window judged")
	}
}

func TestPlusAddsBucketsOfTheSameBounds(t *testing.T) {
	a := Latency{TTFT: h(1, 2, 3, 4, 5)}
	sum := a.Plus(Latency{TTFT: h(1, 1, 1, 1, 1)}).Plus(Latency{})
	if got := sum.TTFT.Counts; !equalFloats(got, []float64{2, 3, 4, 5, 6}) {
		t.Fatalf("sum %v", got)
	}
	other := Latency{TTFT: Histogram{Bounds: []float64{1}, Counts: []float64{7, 7}}}
	if got := a.Plus(other).TTFT.Counts; !equalFloats(got, []float64{1, 2, 3, 4, 5}) {
		t.Fatalf("histograms of other bounds were added: %v", got)
	}
	if a.TTFT.Counts[0] != 1 {
		t.Fatal("Plus wrote its operand")
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestTrimSteersTheSizingToTheGoal: the attainment sized for falls while windows keep
// more than the goal, rises while they keep less (but not when more capacity was asked
// for and not granted), by at most Gain × MaxGap per full window, within its bounds.
func TestTrimSteersTheSizingToTheGoal(t *testing.T) {
	s := DefaultSettings()
	cases := []struct {
		name           string
		b              Budget
		miss, missHi   float64
		requests       float64
		want           float64
		wantAttainment float64
	}{
		{"first window above the goal lowers the sizing", Budget{}, 0.01, 0.01, 300, 0.97 - 0.05*0.035, 0.99},
		{"a window below the goal raises it, by at most MaxGap", Budget{Sizing: 0.95}, 0.3, 0.3, 300, 0.95 + 0.05*0.05, 0.7},
		{"a small window counts in proportion", Budget{Sizing: 0.95}, 0.3, 0.3, 150, 0.95 + 0.5*0.05*0.05, 0.7},
		{"blocked on GPUs: no rise", Budget{Sizing: 0.95, Blocked: true}, 0.3, 0.3, 300, 0.95, 0.7},
		{"blocked on GPUs: the fall still applies", Budget{Sizing: 0.95, Blocked: true}, 0, 0, 300, 0.95 - 0.05*0.045, 1},
		{"a window straddling the goal holds", Budget{Sizing: 0.95}, 0.03, 0.06, 300, 0.95, 0.955},
		{"never below SizingMin", Budget{Sizing: 0.9}, 0, 0, 300, 0.9, 1},
		{"never above SizingMax", Budget{Sizing: 0.995}, 0.5, 0.5, 300, 0.995, 0.5},
	}
	for _, c := range cases {
		got := s.Trim(c.b, c.miss, c.missHi, (c.miss+c.missHi)/2, c.requests, 0.97, t0)
		if !near(got.Sizing, c.want) || !near(got.Attainment, c.wantAttainment) || !got.Updated.Equal(t0) {
			t.Errorf("%s: sizing %v attainment %v updated %v; want %v, %v", c.name, got.Sizing, got.Attainment, got.Updated, c.want, c.wantAttainment)
		}
	}
	b := s.Trim(Budget{Sizing: 0.95, Updated: t0}, 0.3, 0.3, 0.3, 300, 0.97, t0)
	if b.Sizing != 0.95 {
		t.Errorf("a window not after the last one moved the sizing to %v", b.Sizing)
	}
	b = s.Trim(Budget{Sizing: 0.95}, 0, 0, 0, 0, 0.97, t0)
	if b.Sizing != 0.95 || !b.Updated.IsZero() {
		t.Errorf("an empty window counted: %+v", b)
	}
}

// TestTrimSmoothsTheObservedAttainment: the attainment reported is a request-weighted
// average of the recent windows.
func TestTrimSmoothsTheObservedAttainment(t *testing.T) {
	s := DefaultSettings()
	b := s.Trim(Budget{}, 0, 0, 0, 300, 0.97, t0)
	b = s.Trim(b, 0.5, 0.5, 0.5, 300, 0.97, t0.Add(30*time.Second))
	keep := 29.0 / 30
	want := (keep*300*1 + 300*0.5) / (keep*300 + 300)
	if !near(b.Attainment, want) || !near(b.Requests, keep*300+300) {
		t.Fatalf("attainment %v over %v requests, want %v over %v", b.Attainment, b.Requests, want, keep*300+300)
	}
}

// model predicts the share missing at load/k as a logistic curve of the load per unit
// capacity, like a replica's attainment near its sustainable rate.
func model(load float64) func(float64) float64 {
	return func(k float64) float64 { return 1 / (1 + math.Exp(-20*(load/k-1))) }
}

// TestMeasureMovesTheCreditTowardWhatTheWindowShows: a window that kept more requests
// than the model predicted raises the credit (slowly), one that kept fewer lowers it
// (faster); windows that cannot measure the bias leave it.
func TestMeasureMovesTheCreditTowardWhatTheWindowShows(t *testing.T) {
	s := DefaultSettings()
	load := 1.0 // the model predicts half the requests missing
	up, why := s.Measure(Credit{}, Sample{Requests: 300, Miss: 0.1, MissHi: 0.1, Predict: model(load)}, t0)
	if !(up.Factor() > 1) || up.Windows != 1 || !strings.Contains(why, "model predicted 50.00% missing") {
		t.Fatalf("fewer misses than predicted: credit %v (%s)", up.Factor(), why)
	}
	down, _ := s.Measure(Credit{}, Sample{Requests: 300, Miss: 0.25, MissHi: 0.25, Predict: model(0.9)}, t0)
	if !(down.Factor() < 1) {
		t.Fatalf("more misses than predicted: credit %v", down.Factor())
	}
	// The target credit k* solves predict(k*) = observed; a full window moves Follow
	// (rises) or Lower (falls) of the way there in log terms.
	kUp := 1 / (1 - math.Log(1/0.1-1)/20) // load/k = 1 - ln(9)/20
	if math.Abs(up.Log-s.Follow*math.Log(kUp)) > 1e-3 {
		t.Errorf("rise: log credit %v, want %v", up.Log, s.Follow*math.Log(kUp))
	}
	kDown := 0.9 / (1 - math.Log(1/0.25-1)/20)
	if math.Abs(down.Log-s.Lower*math.Log(kDown)) > 1e-3 {
		t.Errorf("fall: log credit %v, want %v", down.Log, s.Lower*math.Log(kDown))
	}

	leave := []struct {
		name string
		w    Sample
		says string
	}{
		{"no request", Sample{Predict: model(load)}, "no request judged"},
		{"the model cannot predict the window", Sample{Requests: 300, Miss: 0.1, MissHi: 0.1}, "cannot predict"},
		{"a queue, not a steady state", Sample{Requests: 300, Miss: 0.6, MissHi: 0.6, Predict: model(load)}, "a queue"},
		{"too few misses either way to measure", Sample{Requests: 300, Miss: 0, MissHi: 0, Predict: model(0.5)}, "too few misses"},
		{"inconsistent bounds", Sample{Requests: 300, Miss: 0.2, MissHi: 0.1, Predict: model(load)}, "no request judged"},
	}
	for _, c := range leave {
		got, why := s.Measure(Credit{Log: 0.1}, c.w, t0)
		if got.Log != 0.1 || !strings.Contains(why, c.says) {
			t.Errorf("%s: credit %+v (%s), want it unchanged because %q", c.name, got, why, c.says)
		}
	}
	if got, why := s.Measure(Credit{Log: 0.1, Updated: t0}, Sample{Requests: 300, Miss: 0.1, MissHi: 0.1, Predict: model(load)}, t0); got.Log != 0.1 {
		t.Errorf("the same window twice moved the credit (%s)", why)
	}
}

// TestMeasureStaysWithinItsBounds: whatever the windows, the credit stays within
// [MinCredit, MaxCredit].
func TestMeasureStaysWithinItsBounds(t *testing.T) {
	s := DefaultSettings()
	c := Credit{}
	for i := range 200 {
		c, _ = s.Measure(c, Sample{Requests: 1000, Miss: 0.001, MissHi: 0.001, Predict: model(1.5)}, t0.Add(time.Duration(i+1)*time.Second))
	}
	if f := c.Factor(); f > s.MaxCredit+1e-9 || f < 1 {
		t.Fatalf("credit %v after windows far better than predicted, want within (1, %v]", f, s.MaxCredit)
	}
	for i := range 200 {
		c, _ = s.Measure(c, Sample{Requests: 1000, Miss: 0.29, MissHi: 0.29, Predict: model(0.5)}, t0.Add(time.Duration(300+i)*time.Second))
	}
	if f := c.Factor(); f < s.MinCredit-1e-9 || f >= 1 {
		t.Fatalf("credit %v after windows far worse than predicted, want within [%v, 1)", f, s.MinCredit)
	}
}

func TestSettingsValidateNamesTheField(t *testing.T) {
	if err := DefaultSettings().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cases := []struct {
		mutate func(*Settings)
		says   string
	}{
		{func(s *Settings) { s.MinCredit = 0 }, "credit bounds"},
		{func(s *Settings) { s.MaxCredit = 0.9 }, "credit bounds"},
		{func(s *Settings) { s.Follow = 2 }, "follow 2"},
		{func(s *Settings) { s.FullWeight = 0 }, "fullWeight 0"},
		{func(s *Settings) { s.Goal = 1 }, "goal 1"},
		{func(s *Settings) { s.SizingMin = 0.99; s.SizingMax = 0.95 }, "sizing [0.99, 0.95]"},
		{func(s *Settings) { s.MaxGap = 0 }, "maxGap 0"},
		{func(s *Settings) { s.Gain = math.Inf(1) }, "finite"},
	}
	for _, c := range cases {
		s := DefaultSettings()
		c.mutate(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("error %v, want one naming %q", err, c.says)
		}
	}
}

// FuzzFeedback: any window leaves the sizing and the credit finite and within bounds.
func FuzzFeedback(f *testing.F) {
	f.Add(0.01, 0.02, 300.0, 0.97, 1.0, 0.0)
	f.Add(0.5, 0.5, 1.0, 0.9, 0.2, 5.0)
	f.Add(math.NaN(), 1.0, math.Inf(1), 0.0, -1.0, math.NaN())
	f.Fuzz(func(t *testing.T, miss, missHi, requests, sizing, load, credit float64) {
		s := DefaultSettings()
		b := s.Trim(Budget{Sizing: sizing}, miss, missHi, miss, requests, 0.97, t0)
		if !(b.Sizing >= s.SizingMin && b.Sizing <= s.SizingMax) && b.Sizing != 0.97 {
			t.Fatalf("sizing %v out of bounds", b.Sizing)
		}
		if !(b.Attainment >= 0 && b.Attainment <= 1) {
			t.Fatalf("attainment %v", b.Attainment)
		}
		c, _ := s.Measure(Credit{Log: credit}, Sample{Requests: requests, Miss: miss, MissHi: missHi, Predict: model(load)}, t0)
		if f := c.Factor(); !(f >= s.MinCredit-1e-9 && f <= s.MaxCredit+1e-9) && c.Log != credit {
			t.Fatalf("credit %v out of bounds", f)
		}
	})
}

// TestRememberAsksOncePerCredit: the credit search's predictions are full model
// predictions; those it asks for twice (the model's own answer, the credit it starts
// from) are computed once, and every answer is the function's own.
func TestRememberAsksOncePerCredit(t *testing.T) {
	model := func(k float64) float64 { return 0.1 / k }
	calls := map[float64]int{}
	r := remember(func(k float64) float64 { calls[k]++; return model(k) })
	for _, k := range []float64{1, 1, 1.3, 1, 1.3, 0.7, 2, 2.5, 1, 2.5} {
		if got, want := r(k), model(k); got != want {
			t.Errorf("remember(%v) = %v, want %v", k, got, want)
		}
	}
	// The first four credits asked for are kept; later ones are predicted each time.
	want := map[float64]int{1: 1, 1.3: 1, 0.7: 1, 2: 1, 2.5: 2}
	for k, n := range want {
		if calls[k] != n {
			t.Errorf("credit %v predicted %d times, want %d", k, calls[k], n)
		}
	}
}
