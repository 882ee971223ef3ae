package decision

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// fuzzProactive decodes bytes into a HYBRID input for the snapshot's variants.
func fuzzProactive(r *bytesIn, s *Snapshot) *ProactiveInput {
	in := &ProactiveInput{Interval: time.Duration(r.u8()%4) * 15 * time.Second}
	in.Traffic = forecast.Observation{Rate: r.num(80), Peak: r.num(120),
		Mix: perfmodel.Mix{Input: perfmodel.Tokens{Mean: r.num(4000), SD: r.num(2000)}, Output: perfmodel.Tokens{Mean: r.num(800), SD: r.num(300)}}}
	seen := map[string]bool{}
	for _, v := range s.Variants {
		if seen[v.Name] {
			continue
		}
		seen[v.Name] = true
		vm := VariantModel{Name: v.Name, Engine: engineH100, StartupTime: time.Duration(r.u8()%5) * 30 * time.Second}
		if r.u8()%3 != 0 {
			k := 0.25 + r.num(3)
			p := paramsH100.Scaled(k, k*(0.5+r.num(1)), k)
			vm.Prior = &p
		}
		if r.u8()%2 == 0 {
			vm.Observation = perfmodel.Observation{Replicas: float64(v.ReadyReplicas), Rate: r.num(30), Requests: r.num(400),
				Mix: in.Traffic.Mix, TTFTMean: r.num(1), ITLMean: r.num(0.1)}
		}
		in.Variants = append(in.Variants, vm)
	}
	if r.u8()%2 == 0 {
		in.Classes = guideClasses()
		if r.u8()%2 == 0 {
			in.Classes = guideClasses(0.2, 0.5, 0.3)
		}
	}
	if r.u8()%3 == 0 {
		in.State.Since = t0.Add(-time.Duration(r.u8()%8) * time.Minute)
		in.State.Planned = []PlannedRate{{At: t0.Add(-time.Minute), Rate: r.num(60)}}
	}
	in.Settings.Attainment = []float64{0, 0.9, 0.99, 1.2}[r.u8()%4]
	return in
}

// FuzzDecideHybrid: HYBRID decisions keep every invariant of the core, are independent
// of order, never give a variant fewer replicas than the capacity answer gives it
// (whether it adds, holds or removes; with an unlimited GPU pool), and return finite
// learned state.
func FuzzDecideHybrid(f *testing.F) {
	f.Add([]byte{2, 0, 5, 2, 2, 0, 1, 0, 0, 0, 0, 1, 1, 5, 2, 2, 0, 1, 0, 0, 0, 0, 4, 0, 130, 0, 1, 1, 1, 0, 150, 0, 1, 1, 1, 1}, []byte{1, 120, 150, 60, 60, 40, 20, 3, 1, 1, 0, 1, 1, 0})
	f.Add([]byte{3, 0, 1, 3, 3, 0, 3, 1, 1, 1, 0, 1, 3, 4, 4, 1, 2, 1, 2, 2, 1, 2, 0, 2, 1, 9, 0, 255, 3, 1, 2, 100, 1, 0, 1, 1, 180, 7}, []byte{2, 40, 0, 200, 100, 30, 10, 1, 1, 0, 0, 0, 0, 1, 2})
	f.Add([]byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1}, []byte{})
	f.Fuzz(func(t *testing.T, data, extra []byte) {
		s := fuzzSnapshot(data)
		s.Proactive = fuzzProactive(&bytesIn{b: extra}, &s)
		d, err := Decide(s)
		d2, err2 := Decide(shuffledHybrid(s))
		if !reflect.DeepEqual(d, d2) || (err == nil) != (err2 == nil) {
			t.Fatalf("hybrid decision depends on order:\n%+v %v %+v\n%+v %v %+v", d, err, d.Proactive, d2, err2, d2.Proactive)
		}
		if err != nil {
			return
		}
		byName := map[string]VariantState{}
		total := 0
		for _, v := range s.Variants {
			byName[v.Name] = v
			total += v.CurrentReplicas
		}
		for _, vd := range d.Variants {
			checkVariant(t, s, d, total, vd, byName[vd.Name])
		}
		if d.Proactive == nil {
			t.Fatalf("no proactive outcome in HYBRID mode")
		}
		for name, st := range d.Proactive.State.Variants {
			if err := st.Params.Validate(); err != nil {
				t.Fatalf("learned state of %s: %v", name, err)
			}
		}
		fs := d.Proactive.State.Forecast
		for _, v := range []float64{fs.Level, fs.Trend, fs.ErrorAbs, fs.Burst, d.Proactive.Forecast.Planned} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("forecast state not finite: %+v / %+v", fs, d.Proactive.Forecast)
			}
		}
		if s.FreeGPUs != nil {
			return // the GPU limiter may grant the two answers' scale-ups differently
		}
		capOnly := s
		capOnly.Proactive = nil
		dc, _ := Decide(capOnly)
		for i, v := range dc.Variants {
			if d.Variants[i].DesiredReplicas < v.DesiredReplicas {
				t.Fatalf("%s: hybrid %d below the capacity answer %d (%s)", v.Name, d.Variants[i].DesiredReplicas, v.DesiredReplicas, d.Variants[i].Reason)
			}
		}
	})
}

// shuffledHybrid reorders the snapshot and its per-variant inputs.
func shuffledHybrid(s Snapshot) Snapshot {
	s = shuffled(s)
	in := *s.Proactive
	in.Variants = append([]VariantModel(nil), in.Variants...)
	for i, j := 0, len(in.Variants)-1; i < j; i, j = i+1, j-1 {
		in.Variants[i], in.Variants[j] = in.Variants[j], in.Variants[i]
	}
	in.Classes = append([]ServiceClass(nil), in.Classes...)
	for i, j := 0, len(in.Classes)-1; i < j; i, j = i+1, j-1 {
		in.Classes[i], in.Classes[j] = in.Classes[j], in.Classes[i]
	}
	s.Proactive = &in
	return s
}
