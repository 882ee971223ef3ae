package decision

import (
	"fmt"
	"testing"
)

// bigModel is one model with 10 variants of 100 replicas each (1,000 replicas).
func bigModel(version SaturationVersion) Snapshot {
	var vs []VariantState
	var rs []ReplicaSignals
	for v := range 10 {
		name := fmt.Sprintf("variant-%02d", v)
		vs = append(vs, variant(name, float64(5+v%4*5), 100))
		for i := range 100 {
			r := replica(name, i, 0.3+float64((v*100+i)%40)/100, float64(i%4))
			rs = append(rs, r)
		}
	}
	s := snap(vs, rs...)
	s.Saturation.Version = version
	s.FreeGPUs = map[string]int{"acc-variant-00": 16}
	return s
}

// cycleModels is 1,000 models of 2 variants with 4 replicas each.
func cycleModels() []Snapshot {
	out := make([]Snapshot, 1000)
	for m := range out {
		var rs []ReplicaSignals
		for i := range 4 {
			rs = append(rs, replica("a", i, float64((m+i)%90)/100, float64(i%3)), replica("b", i, float64((m*7+i)%90)/100, 0))
		}
		s := snap([]VariantState{variant("a", 5, 4), variant("b", 20, 4)}, rs...)
		s.ModelID = fmt.Sprintf("model-%04d", m)
		if m%2 == 1 {
			s.Saturation.Version = SaturationV2
		}
		out[m] = s
	}
	return out
}

func BenchmarkDecide10Variants1000ReplicasV1(b *testing.B) { benchDecide(b, bigModel(SaturationV1)) }

func BenchmarkDecide10Variants1000ReplicasV2(b *testing.B) { benchDecide(b, bigModel(SaturationV2)) }

func benchDecide(b *testing.B, s Snapshot) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decide(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecideCycle1000Models(b *testing.B) {
	models := cycleModels()
	pool := map[string]int{"acc-a": 100, "acc-b": 100}
	b.ReportAllocs()
	for b.Loop() {
		if res := DecideCycle(models, pool); len(res) != len(models) {
			b.Fatal("missing results")
		}
	}
}
