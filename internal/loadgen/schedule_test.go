package loadgen

import (
	"reflect"
	"testing"
	"time"
)

func TestFromTraceWindowSpeedUpAndScale(t *testing.T) {
	var trace []Request
	for i := range 100 {
		trace = append(trace, Request{At: time.Duration(i) * time.Second, PromptTokens: 10 + i, OutputTokens: 5})
	}
	got, err := FromTrace(trace, TraceOptions{Offset: 10 * time.Second, Duration: 20 * time.Second, SpeedUp: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 || got[0].At != 0 || got[0].PromptTokens != 20 || got[19].At != 19*time.Second/4 {
		t.Errorf("window: %d requests, first %+v, last %+v", len(got), got[0], got[len(got)-1])
	}
	double, _ := FromTrace(trace, TraceOptions{RateScale: 2})
	half, _ := FromTrace(trace, TraceOptions{RateScale: 0.5, Seed: 1})
	halfAgain, _ := FromTrace(trace, TraceOptions{RateScale: 0.5, Seed: 1})
	if len(double) != 200 {
		t.Errorf("rate scale 2: %d requests, want 200", len(double))
	}
	if len(half) < 35 || len(half) > 65 || !reflect.DeepEqual(half, halfAgain) {
		t.Errorf("rate scale 0.5: %d requests (want ~50), deterministic=%v", len(half), reflect.DeepEqual(half, halfAgain))
	}
}

func count(rs []Request, from, to time.Duration) int {
	n := 0
	for _, r := range rs {
		if r.At >= from && r.At < to {
			n++
		}
	}
	return n
}

func TestSyntheticPatterns(t *testing.T) {
	base := Pattern{Rate: 10, Rate2: 40, Duration: 100 * time.Second, PromptTokens: 100, OutputTokens: 50, Seed: 3}
	gen := func(kind PatternKind) []Request {
		p := base
		p.Kind = kind
		rs, err := Synthetic(p)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if n := len(gen(Constant)); n != 1000 {
		t.Errorf("constant: %d requests, want 1000", n)
	}
	if n := len(gen(Poisson)); n < 900 || n > 1100 {
		t.Errorf("poisson: %d requests, want ~1000", n)
	}
	ramp := gen(Ramp)
	if a, b := count(ramp, 0, 50*time.Second), count(ramp, 50*time.Second, 100*time.Second); b < a*3/2 {
		t.Errorf("ramp: %d then %d requests; the second half must be busier", a, b)
	}
	step := gen(Step)
	if a, b := count(step, 0, 50*time.Second), count(step, 50*time.Second, 100*time.Second); b < 3*a {
		t.Errorf("step: %d then %d requests; want ~4x after the step", a, b)
	}
	burst := gen(Burst) // bursts of 6.25 s every 25 s
	if in, out := count(burst, 0, 6250*time.Millisecond), count(burst, 6250*time.Millisecond, 12500*time.Millisecond); in < 2*out {
		t.Errorf("burst: %d in the burst, %d after it", in, out)
	}
	if !reflect.DeepEqual(gen(Burst), burst) {
		t.Error("same seed, different schedule")
	}
	if _, err := Synthetic(Pattern{Kind: "zigzag", Rate: 1, Duration: time.Second, PromptTokens: 1, OutputTokens: 1}); err == nil {
		t.Error("unknown pattern accepted")
	}
}
