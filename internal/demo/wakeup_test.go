package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

func zeroSample(t float64, current, ready int) Sample {
	return Sample{T: t, Variants: []VariantSample{{Name: "a100", Current: current, Ready: ready}, {Name: "h100"}}}
}

// A wake-up is read from the run: asleep when every variant is at zero, the first request
// after that, WVA's 0 -> 1 event, the first Ready sample and the first token.
func TestFindWakeUps(t *testing.T) {
	samples := []Sample{zeroSample(0, 1, 1), zeroSample(2, 0, 0), zeroSample(4, 0, 0), zeroSample(6, 1, 0), zeroSample(18, 1, 1), zeroSample(20, 0, 0)}
	decs := []Decision{
		{T: 1, Variant: "a100", Message: "Desired replicas 1 -> 0: scale-to-zero: no successful request"},
		{T: 5.3, Variant: "a100", Message: "Desired replicas 0 -> 1: scale-from-zero: 1 request(s) waiting for a model at zero; +1 on cheapest variant a100 (cost 10.0)"},
	}
	reqs := []loadgen.Request{{At: time.Second}, {At: 5 * time.Second}, {At: 7 * time.Second}}
	ws := findWakeUps(samples, decs, reqs, []float64{1.5, 18.6, 19})
	if len(ws) != 2 {
		t.Fatalf("wake-ups %+v, want one done and one asleep", ws)
	}
	w := ws[0]
	if w.Asleep != 2 || w.Arrival != 5 || w.Decision != 5.3 || w.Variant != "a100" || w.Ready != 18 || w.FirstToken != 18.6 || !w.Done() {
		t.Fatalf("wake-up %+v", w)
	}
	if got := w.line(); got != "request at t=5.0s → WVA wakes a100 +0.3s → Ready +13.0s → first token +13.6s" {
		t.Errorf("line %q", got)
	}
	if ws[1].Asleep != 20 || ws[1].Arrival != -1 || ws[1].Done() || !strings.Contains(ws[1].line(), "asleep since t=20s") {
		t.Errorf("second wake-up %+v: want asleep with no request yet", ws[1])
	}
	// A Ready sample that came after the first token is not the Ready time.
	if late := findWakeUps(samples, decs, reqs, []float64{17}); late[0].Ready != 17 {
		t.Errorf("Ready %v after the first token at 17", late[0].Ready)
	}
	// While the run goes on, requests scheduled after the last sample are not sent yet.
	if early := findWakeUps(samples[:3], decs, reqs, nil); len(early) != 1 || early[0].Arrival != -1 {
		t.Errorf("at t=4s the request of t=5s counted as arrived: %+v", early)
	}
	page := wakeUpsHTML(ws)
	for _, want := range []string{"Wake-ups from zero", "<td>5.0</td><td>a100</td><td>+0.3s</td><td>+13.0s</td><td>+13.6s</td>", "none yet"} {
		if !strings.Contains(page, want) {
			t.Errorf("report table lacks %q:\n%s", want, page)
		}
	}
}
