package collector

import (
	"testing"
	"time"
)

// A success count is trusted only when every usable replica of the model has one: a
// replica whose count is unknown might have served every request of the window, so the
// model's window becomes zero (unknown) and the zero policy cannot read it as idle.
func TestUnknownSuccessCountMakesTheWindowUnusable(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const window = 10 * time.Minute
	model := Model{Namespace: "ns", ModelID: "m", SuccessWindow: window, Variants: []Variant{
		{Name: "a", Pods: []Pod{{Name: "a-0"}}}, {Name: "b", Pods: []Pod{{Name: "b-0"}}},
	}}
	fresh := func(success *float64) *observation {
		o := &observation{has: saturation, newest: now.Add(-time.Second)}
		if success != nil {
			o.setSuccess(window, *success)
		}
		return o
	}
	count := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name       string
		a, b       *float64
		wantWindow time.Duration
	}{
		{"both counted", count(0), count(4), window},
		{"one replica lacks the counter", count(0), nil, 0},
		{"no replica has it", nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs := newObservations()
			*obs.at(obsKey{"ns", "m", "a-0"}) = *fresh(tc.a)
			*obs.at(obsKey{"ns", "m", "b-0"}) = *fresh(tc.b)
			ms := assemble([]Model{model}, obs, nil, now, Windows{}.withDefaults())[0]
			if !ms.Health.Usable || ms.Health.Reported != 2 {
				t.Fatalf("health %+v, want both replicas usable", ms.Health)
			}
			if ms.SuccessWindow != tc.wantWindow {
				t.Errorf("success window %s, want %s", ms.SuccessWindow, tc.wantWindow)
			}
			for _, v := range ms.Variants {
				r := v.Replicas[0]
				want := map[string]*float64{"a": tc.a, "b": tc.b}[v.Name]
				if r.SuccessKnown != (want != nil) || (want != nil && r.SuccessCount != *want) {
					t.Errorf("replica %s: count %v known %v, want %v", r.Pod, r.SuccessCount, r.SuccessKnown, want)
				}
			}
		})
	}
}

// The pod source counts successes from its own scrapes: a counter that moves gives its
// exact increase over the window, a flat one gives zero, and a Pod without the counter
// makes its model's window unknown, never zero. A source whose success count always
// answered 0 fails here.
func TestPodSourceCountsSuccessesThatMove(t *testing.T) {
	busy, idle, silent, other := values(0), values(1), values(2), values(3)
	silent.NoSuccessCounter = true
	sBusy, sIdle := startFakeServer(t, "m", busy), startFakeServer(t, "m", idle)
	sSilent, sOther := startFakeServer(t, "n", silent), startFakeServer(t, "n", other)
	const window = 10 * time.Minute
	models := []Model{
		{Namespace: "ns", ModelID: "m", SuccessWindow: window, Variants: []Variant{{Name: "m", Pods: []Pod{pod("busy", sBusy), pod("idle", sIdle)}}}},
		{Namespace: "ns", ModelID: "n", SuccessWindow: window, Variants: []Variant{{Name: "n", Pods: []Pod{pod("silent", sSilent), pod("other", sOther)}}}},
	}
	src := NewPodSource(PodSourceOptions{Windows: Windows{StaleAfter: time.Minute}})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	mustCollect(t, src, models, t0)
	busy.Success += 5
	sBusy.set(busy)
	mustCollect(t, src, models, t0.Add(20*time.Second))
	busy.Success += 7
	sBusy.set(busy)
	got := mustCollect(t, src, models, t0.Add(40*time.Second))

	m := got[0]
	if m.SuccessWindow != window {
		t.Fatalf("model m: success window %s, want %s (every replica has a counter)", m.SuccessWindow, window)
	}
	for pod, want := range map[string]float64{"busy": 12, "idle": 0} {
		r, err := replicaOf(m, "m", pod)
		if err != nil {
			t.Fatal(err)
		}
		if !r.SuccessKnown || r.SuccessCount != want {
			t.Errorf("replica %s: %v successes (known %v), want %v", pod, r.SuccessCount, r.SuccessKnown, want)
		}
	}
	if m.ModelSuccesses != 12 {
		t.Errorf("model m: %v successes, want 12", m.ModelSuccesses)
	}

	n := got[1]
	if !n.Health.Usable || n.SuccessWindow != 0 {
		t.Errorf("model n: health %+v, success window %s; want usable signals and an unknown (zero) window", n.Health, n.SuccessWindow)
	}
	if r, err := replicaOf(n, "n", "silent"); err != nil || r.SuccessKnown {
		t.Errorf("replica without the counter: %+v %v, want its count unknown", r, err)
	}
}
