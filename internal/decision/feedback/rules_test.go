package feedback

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// TestHistogramRules pins the reading of latency histograms at the edges the main tests
// leave open (see testdata/mutations.yaml for the mistakes each catches).
func TestHistogramRules(t *testing.T) {
	// Bounds must strictly ascend: two buckets with one bound cannot be told apart.
	if err := (Histogram{Bounds: []float64{1, 1}, Counts: []float64{1, 2, 3}}).Validate(); err == nil || !strings.Contains(err.Error(), "bound 1 (1)") {
		t.Errorf("equal bounds: error %v, want one naming bound 1 (1)", err)
	}

	// The worst target counts whatever the order of the targets: the tight class first.
	w := Latency{
		TTFT: h(50, 30, 10, 6, 4),                                                             // 10% over 1 s, 20% over 0.5 s
		TPOT: Histogram{Bounds: []float64{0.025, 0.05, 0.1}, Counts: []float64{80, 15, 4, 1}}, // 5% over 50 ms, 20% over 25 ms
	}
	tightFirst := []perfmodel.Target{{TTFT: 0.5, ITL: 0.025}, {TTFT: 1, ITL: 0.05}}
	if lo, hi, _, ok := w.Miss(tightFirst); !ok || !near(lo, 0.36) || !near(hi, 0.36) {
		t.Errorf("tight class first: Miss %v, %v, want the tight class's 0.36", lo, hi)
	}
	if est, ok := w.MissEstimate(tightFirst); !ok || !near(est, 0.36) {
		t.Errorf("tight class first: MissEstimate %v, want the tight class's 0.36", est)
	}

	// Histograms with as many buckets but other bounds are not added.
	a := Latency{TTFT: h(1, 2, 3, 4, 5)}
	other := Latency{TTFT: Histogram{Bounds: []float64{0.1, 0.5, 1, 3}, Counts: []float64{7, 7, 7, 7, 7}}}
	if got := a.Plus(other).TTFT.Counts; !equalFloats(got, []float64{1, 2, 3, 4, 5}) {
		t.Errorf("histograms of other bounds (same length) were added: %v", got)
	}
}

// TestMeasureRules pins the credit's measurement at its boundaries.
func TestMeasureRules(t *testing.T) {
	s := DefaultSettings()
	kFor := func(load, miss float64) float64 { return load / (1 - math.Log(1/miss-1)/20) } // model(load)(k) = miss
	cases := []struct {
		rule string
		c    Credit
		w    Sample
		log  float64 // the credit's log after the window
		says string
	}{
		{"a window missing exactly Overwhelmed (30%) is still measured",
			Credit{}, Sample{Requests: 300, Miss: 0.3, MissHi: 0.3, Predict: model(1)},
			s.Follow * math.Log(kFor(1, 0.3)), "served as the model"},
		// The model predicted half missing and none did: its own prediction makes the
		// window significant, and no miss reads as half a miss (1/600), not as none (which
		// would push the credit to its largest).
		{"no miss where the model predicted many measures the bias, as half a miss",
			Credit{}, Sample{Requests: 300, Predict: model(1)},
			s.Follow * math.Log(kFor(1, 0.5/300)), "served as the model"},
		{"a window of half FullWeight moves the credit half as far",
			Credit{}, Sample{Requests: 150, Miss: 0.1, MissHi: 0.1, Predict: model(1)},
			0.5 * s.Follow * math.Log(kFor(1, 0.1)), "served as the model"},
		// A credit kept from settings with a lower MinCredit is brought back within them.
		{"the credit stays at or above MinCredit",
			Credit{Log: math.Log(0.3)}, Sample{Requests: 300, Miss: 0.1, MissHi: 0.1, Predict: model(0.5)},
			math.Log(s.MinCredit), "served as the model"},
		{"the credit stays at or below MaxCredit",
			Credit{Log: math.Log(3)}, Sample{Requests: 300, Miss: 0.1, MissHi: 0.1, Predict: model(2)},
			math.Log(s.MaxCredit), "served as the model"},
	}
	for _, c := range cases {
		got, why := s.Measure(c.c, c.w, t0)
		if math.Abs(got.Log-c.log) > 2e-3 || !strings.Contains(why, c.says) {
			t.Errorf("%s: log credit %.5f (%s); want %.5f and a reason containing %q", c.rule, got.Log, why, c.log, c.says)
		}
	}
}

// TestSolveCredit pins the credit search: the root inside the range, and the bound the
// target lies beyond.
func TestSolveCredit(t *testing.T) {
	cases := []struct {
		rule         string
		load, target float64
		lo, hi, want float64
	}{
		{"a root inside the range", 1, 0.1, 0.6, 1.6, 1 / (1 - math.Log(9)/20)},
		{"even the largest credit predicts more misses: the largest", 3, 0.1, 0.6, 1.6, 1.6},
		{"even the smallest credit predicts fewer misses: the smallest", 0.3, 0.1, 0.6, 1.6, 0.6},
	}
	for _, c := range cases {
		if got := solveCredit(model(c.load), c.target, c.lo, c.hi); math.Abs(math.Log(got/c.want)) > 5e-3 {
			t.Errorf("%s: credit %v, want %v", c.rule, got, c.want)
		}
	}
}

// TestTrimRules pins the sizing's trim at the edges the main test leaves open.
func TestTrimRules(t *testing.T) {
	s := DefaultSettings()

	// MaxGap caps a window's gap both ways; with the defaults the fall never reaches it
	// (goal 95.5%: at most 4.5 points above), so a smaller cap shows it.
	capped := s
	capped.MaxGap = 0.01
	if b := capped.Trim(Budget{Sizing: 0.95}, 0, 0, 0, 300, 0.97, t0); !near(b.Sizing, 0.95-0.05*0.01) {
		t.Errorf("all kept, gap cap 1 point: sizing %v, want %v", b.Sizing, 0.95-0.05*0.01)
	}

	// The attainment's memory fades by the window's weight: a half window keeps more.
	b := s.Trim(Budget{}, 0, 0, 0, 300, 0.97, t0)
	b = s.Trim(b, 0.5, 0.5, 0.5, 150, 0.97, t0.Add(30*time.Second))
	keep := math.Pow(29.0/30, 0.5)
	if want := (keep*300 + 150*0.5) / (keep*300 + 150); !near(b.Attainment, want) || !near(b.Requests, keep*300+150) {
		t.Errorf("half window after a full one: attainment %v over %v, want %v over %v", b.Attainment, b.Requests, want, keep*300+150)
	}

	// An estimate outside the bounds is replaced by their midpoint.
	for _, est := range []float64{0.9, math.NaN()} {
		if b := s.Trim(Budget{}, 0.1, 0.3, est, 300, 0.97, t0); !near(b.Attainment, 0.8) {
			t.Errorf("estimate %v outside [0.1, 0.3]: attainment %v, want 0.8 (the midpoint's)", est, b.Attainment)
		}
	}
}
