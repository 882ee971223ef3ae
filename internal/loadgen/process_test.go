package loadgen

import (
	"reflect"
	"testing"
	"time"
)

// TestPiecewise: the rate follows the points (ramp up, plateau, flash rise within
// seconds) and the rising segments are the steps.
func TestPiecewise(t *testing.T) {
	p := Pattern{Kind: Piecewise, Duration: 40 * time.Minute, PromptTokens: 10, OutputTokens: 10, Seed: 5,
		Points: []RatePoint{{0, 2}, {10 * time.Minute, 2}, {10*time.Minute + 10*time.Second, 8}, {20 * time.Minute, 8}, {21 * time.Minute, 2}}}
	rs, err := Synthetic(p)
	if err != nil {
		t.Fatal(err)
	}
	before := count(rs, 0, 10*time.Minute)
	during := count(rs, 11*time.Minute, 20*time.Minute)
	after := count(rs, 22*time.Minute, 40*time.Minute)
	t.Logf("requests/s: before %.2f, during %.2f, after %.2f", float64(before)/600, float64(during)/540, float64(after)/1080)
	if r := float64(before) / 600; r < 1.7 || r > 2.3 {
		t.Errorf("rate before the rise %.2f/s, want ~2", r)
	}
	if r := float64(during) / 540; r < 7.4 || r > 8.6 {
		t.Errorf("rate during the crowd %.2f/s, want ~8", r)
	}
	if r := float64(after) / 1080; r < 1.7 || r > 2.3 {
		t.Errorf("rate after the last point %.2f/s, want ~2 (held)", r)
	}
	if got := p.Steps(); !reflect.DeepEqual(got, []time.Duration{10 * time.Minute}) {
		t.Errorf("steps %v, want [10m]", got)
	}
	for _, bad := range [][]RatePoint{nil, {{time.Minute, 1}, {time.Minute, 2}}, {{0, -1}}} {
		if _, err := Synthetic(Pattern{Kind: Piecewise, Duration: time.Hour, PromptTokens: 1, OutputTokens: 1, Points: bad}); err == nil {
			t.Errorf("points %v accepted", bad)
		}
	}
}

// TestOnOff: arrivals come only in on periods, off periods are idle, the mean period
// lengths are about as asked, the same seed gives the same schedule, and every on
// period after the first is a step.
func TestOnOff(t *testing.T) {
	p := Pattern{Kind: OnOff, Rate: 5, Duration: 4 * time.Hour, OnMean: 3 * time.Minute, OffMean: 2 * time.Minute,
		PromptTokens: 10, OutputTokens: 10, Seed: 9}
	rs, err := Synthetic(p)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Synthetic(p)
	if !reflect.DeepEqual(rs, again) {
		t.Fatal("same seed, different schedule")
	}
	ons := p.onPeriods()
	var onTime time.Duration
	for _, on := range ons {
		onTime += on.to - on.from
	}
	for _, r := range rs {
		if !inPeriods(ons, r.At) {
			t.Fatalf("arrival at %v outside every on period", r.At)
		}
	}
	share := onTime.Seconds() / p.Duration.Seconds()
	if share < 0.45 || share > 0.75 {
		t.Errorf("on %.0f%% of the time, want about 60%% (3m on, 2m off)", 100*share)
	}
	if rate := float64(len(rs)) / onTime.Seconds(); rate < 4.7 || rate > 5.3 {
		t.Errorf("rate while on %.2f/s, want ~5", rate)
	}
	if steps := p.Steps(); len(steps) != len(ons)-1 || steps[0] != ons[1].from {
		t.Errorf("%d steps for %d on periods", len(steps), len(ons))
	}
	if _, err := Synthetic(Pattern{Kind: OnOff, Rate: 1, Duration: time.Hour, PromptTokens: 1, OutputTokens: 1}); err == nil {
		t.Error("onoff without period means accepted")
	}
}
