package config

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

func TestPerformancePriorsByAcceleratorAndModel(t *testing.T) {
	s, skipped := ParsePerformancePriors(PerformancePriorConfigMapName, map[string]string{
		"h100":       "accelerator: NVIDIA-H100-80GB-HBM3\nalpha: 6.4e-3\nbeta: 40e-6\ngamma: 52e-9\nmaxNumSeqs: 256\n",
		"h100-llama": "accelerator: nvidia-h100-80gb-hbm3\nmodel_id: meta/llama\nalpha: 5e-3\nbeta: 30e-6\ngamma: 40e-9\ndispersion: 2\n",
		"a100":       "accelerator: A100\nmaxNumBatchedTokens: 8192\nkvCacheTokens: 400000\n",
		"half":       "accelerator: L4\nalpha: 1e-2\n",
		"no-acc":     "alpha: 1e-2\nbeta: 1e-5\ngamma: 1e-8\n",
		"negative":   "accelerator: L40S\nalpha: -1\nbeta: 1e-5\ngamma: 1e-8\n",
		"typo":       "accelerator: T4\nalfa: 1\n",
		"dup":        "accelerator: a100\n",
	})
	if s.Entries != 3 {
		t.Errorf("%d entries in force, want 3", s.Entries)
	}
	var rules []string
	for _, e := range skipped {
		rules = append(rules, e.Key+": "+e.Rule)
	}
	got := strings.Join(rules, "\n")
	for _, want := range []string{`dup: entry "a100" already configures accelerator "a100"`, "half: alpha, beta and gamma (seconds) go together",
		"negative: parameter alpha -1", "no-acc: accelerator is required", "typo: expected a YAML mapping"} {
		if !strings.Contains(got, want) {
			t.Errorf("skipped entries do not say %q:\n%s", want, got)
		}
	}
	if p, ok := s.For("meta/llama", "NVIDIA-H100-80GB-HBM3"); !ok || p.Params == nil || *p.Params != (perfmodel.Params{Alpha: 5e-3, Beta: 30e-6, Gamma: 40e-9, Dispersion: 2}) {
		t.Errorf("the model's own entry: %+v %v", p, ok)
	}
	if p, ok := s.For("other", "nvidia-h100-80gb-hbm3"); !ok || p.Params.Alpha != 6.4e-3 || p.Engine.MaxNumSeqs != 256 {
		t.Errorf("the accelerator's entry: %+v %v", p, ok)
	}
	if p, ok := s.For("other", "A100"); !ok || p.Params != nil || p.Engine != (perfmodel.Engine{MaxBatchedTokens: 8192, KVTokens: 400000}) {
		t.Errorf("engine limits only: %+v %v", p, ok)
	}
	if _, ok := s.For("other", "L4"); ok {
		t.Error("a skipped entry is in force")
	}
}

func TestServiceClassesForAModelInDurations(t *testing.T) {
	st := NewStore(Config{})
	if _, err := st.ApplyServiceClasses(ConfigMapContent{Name: ServiceClassConfigMapName, Present: true, Data: map[string]string{
		ServiceClassesKey: "- {name: Premium, model: m, priority: 1, slo-itl: 24, slo-ttw: 500}\n- {name: Free, model: other, priority: 9, slo-itl: 100, slo-ttw: 2000}\n",
	}}); err != nil {
		t.Fatal(err)
	}
	got := st.ServiceClassesFor("m")
	if len(got) != 1 || got[0].Name != "Premium" || got[0].TTFT != 500*time.Millisecond || got[0].ITL != 24*time.Millisecond || got[0].Priority != 1 {
		t.Fatalf("classes %+v", got)
	}
	upd := st.ApplyPerformancePriors(ConfigMapContent{Name: PerformancePriorConfigMapName, Present: true, Data: map[string]string{"a": "accelerator: X\nmaxNumSeqs: 8\n"}})
	if !upd.Changed || upd.NewEntries != 1 {
		t.Fatalf("update %+v", upd)
	}
	if p, ok := st.PriorFor("m", "x"); !ok || p.Engine.MaxNumSeqs != 8 {
		t.Fatalf("prior %+v %v", p, ok)
	}
	if upd := st.ApplyPerformancePriors(ConfigMapContent{Name: PerformancePriorConfigMapName}); !upd.Changed || upd.NewEntries != 0 {
		t.Fatalf("deleting the ConfigMap: %+v", upd)
	}
}
