package config

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// TestSaturationOverridesInherit checks default merging, per-model lookup and namespace scoping.
func TestSaturationOverridesInherit(t *testing.T) {
	s, skipped := ParseSaturation(SaturationConfigMapName, map[string]string{
		"default":   "kvCacheThreshold: 0.9\nqueueLengthThreshold: 8\n",
		"llama":     "model_id: meta/llama\nnamespace: team-a\nkvSpareTrigger: 0.2\n",
		"llama-any": "model_id: meta/llama\nqueueSpareTrigger: 1\nanalyzerVersion: v2\n",
	})
	if len(skipped) != 0 {
		t.Fatalf("skipped %v", skipped)
	}
	def := decision.DefaultSaturationConfig()
	def.KvCacheThreshold, def.QueueLengthThreshold = 0.9, 8
	if s.Default != def || s.Entries != 3 {
		t.Errorf("default = %+v entries %d", s.Default, s.Entries)
	}
	ns := def
	ns.KvSpareTrigger = 0.2
	if got := s.For("meta/llama", "team-a"); got != ns {
		t.Errorf("namespaced override = %+v, want %+v", got, ns)
	}
	anyNS := def
	anyNS.QueueSpareTrigger, anyNS.Version = 1, decision.SaturationV2
	if got := s.For("meta/llama", "team-b"); got != anyNS {
		t.Errorf("any-namespace override = %+v, want %+v", got, anyNS)
	}
	if got := s.For("other", "team-a"); got != def {
		t.Errorf("other model = %+v, want the default", got)
	}
}

// TestSaturationRules checks each rule: the entry is skipped with its key and rule named, and
// the other entries still apply.
func TestSaturationRules(t *testing.T) {
	cases := map[string]string{
		"kvCacheThreshold: 0":                          "kvCacheThreshold must be in (0, 1]",
		"kvCacheThreshold: 1.5":                        "kvCacheThreshold must be in (0, 1]",
		"kvSpareTrigger: 1":                            "kvSpareTrigger must be in [0, 1)",
		"kvSpareTrigger: -0.1":                         "kvSpareTrigger must be in [0, 1)",
		"kvSpareTrigger: 0.85":                         "must be below kvCacheThreshold",
		"queueLengthThreshold: -1":                     "queueLengthThreshold must be > 0",
		"queueLengthThreshold: 0":                      "queueLengthThreshold must be > 0 (0 marks every replica saturated), got 0; set it to",
		"queueSpareTrigger: 5":                         "queueSpareTrigger must be below queueLengthThreshold (5.0), or an idle model gains a replica every cycle, got 5; set queueSpareTrigger below",
		"queueLengthThreshold: 2":                      "queueSpareTrigger must be below queueLengthThreshold (2.0)",
		"kvSpareTrigger: 0.8":                          "kvSpareTrigger must be below kvCacheThreshold (0.8)",
		"maxScaleUpStep: -1":                           "maxScaleUpStep must be >= 1, got -1; set it to",
		"scaleDownMinCoverage: 1.5":                    "scaleDownMinCoverage must be in (0, 1], got 1.5",
		"inFlightExpiryIntervals: -1":                  "inFlightExpiryIntervals must be >= 1",
		"queueSpareTrigger: -2":                        "queueSpareTrigger must be >= 0",
		"analyzerVersion: v3":                          `analyzerVersion must be "v1" or "v2"`,
		"scaleUpThreshold: 1.2":                        "scaleUpThreshold must be in (0, 1]",
		"scaleDownBoundary: 0.9":                       "scaleDownBoundary must be in (0, scaleUpThreshold",
		"kvCacheTreshold: 0.5":                         "unknown field",
		"kvCacheThreshold: [oops":                      "expected a YAML mapping",
		"- a list":                                     "expected a YAML mapping",
		"kvCacheThreshold: high":                       "expected a YAML mapping",
		"namespace: x":                                 "model_id is required",
		"model_id: meta/llama\nmodel_id: meta/llama-2": "expected a YAML mapping",
	}
	for body, rule := range cases {
		entry := body
		if !strings.Contains(body, "model_id") && !strings.Contains(body, "namespace") {
			entry = "model_id: m\n" + body
		}
		s, skipped := ParseSaturation("cm", map[string]string{"bad": entry, "good": "model_id: g\nkvSpareTrigger: 0.3"})
		if len(skipped) != 1 || skipped[0].Key != "bad" || !strings.Contains(skipped[0].Rule, rule) {
			t.Errorf("%q: skipped %v, want entry \"bad\" with rule %q", body, skipped, rule)
			continue
		}
		if !strings.Contains(skipped[0].Error(), `ConfigMap cm entry "bad" skipped`) {
			t.Errorf("message %q does not name ConfigMap and key", skipped[0].Error())
		}
		if s.Entries != 1 || s.For("g", "").KvSpareTrigger != 0.3 || s.For("m", "") != decision.DefaultSaturationConfig() {
			t.Errorf("%q: the valid entry did not apply or the invalid one did: %+v", body, s)
		}
	}
}

// TestSaturationInvalidDefault checks that an invalid default falls back to the built-in one
// and that a duplicate override is skipped deterministically.
func TestSaturationInvalidDefault(t *testing.T) {
	s, skipped := ParseSaturation("cm", map[string]string{
		"default": "kvCacheThreshold: 2", "a": "model_id: m\nqueueSpareTrigger: 2", "b": "model_id: m\nqueueSpareTrigger: 4",
	})
	if s.Default != decision.DefaultSaturationConfig() {
		t.Errorf("default = %+v, want built-in", s.Default)
	}
	if len(skipped) != 2 || skipped[0].Key != "default" || skipped[1].Key != "b" || !strings.Contains(skipped[1].Rule, `entry "a" already`) {
		t.Errorf("skipped = %v", skipped)
	}
	if s.For("m", "x").QueueSpareTrigger != 2 {
		t.Errorf("override a not in force")
	}
	if _, sk := ParseSaturation("cm", map[string]string{"default": "model_id: m"}); len(sk) != 1 {
		t.Errorf("a default with model_id was accepted")
	}
}

// TestScaleToZeroPrecedence checks model entry > default > WVA_SCALE_TO_ZERO > off, field by field.
func TestScaleToZeroPrecedence(t *testing.T) {
	var none ScaleToZeroSettings
	if got := none.For("m", "ns", false); got.Enabled || got.RetentionPeriod != decision.DefaultRetentionPeriod {
		t.Errorf("nothing configured = %+v, want off with 10m", got)
	}
	if got := none.For("m", "ns", true); !got.Enabled {
		t.Errorf("env fallback ignored")
	}
	s, skipped := ParseScaleToZero(ScaleToZeroConfigMapName, map[string]string{
		"default": "enable_scale_to_zero: false\nretention_period: 20m",
		"llama":   "model_id: meta/llama\nenable_scale_to_zero: true",
		"llamaB":  "model_id: meta/llama\nnamespace: b\nretention_period: 5m",
	})
	if len(skipped) != 0 || s.Entries != 3 {
		t.Fatalf("skipped %v entries %d", skipped, s.Entries)
	}
	check := func(model, ns string, env bool, want decision.ZeroConfig) {
		t.Helper()
		if got := s.For(model, ns, env); got != want {
			t.Errorf("For(%s,%s,%v) = %+v, want %+v", model, ns, env, got, want)
		}
	}
	check("meta/llama", "a", false, decision.ZeroConfig{Enabled: true, RetentionPeriod: 20 * time.Minute})
	check("meta/llama", "b", false, decision.ZeroConfig{Enabled: true, RetentionPeriod: 5 * time.Minute})
	check("other", "a", true, decision.ZeroConfig{Enabled: false, RetentionPeriod: 20 * time.Minute})
	onlyRetention, _ := ParseScaleToZero("cm", map[string]string{"default": "retention_period: 1m"})
	check2 := onlyRetention.For("x", "", true)
	if !check2.Enabled || check2.RetentionPeriod != time.Minute {
		t.Errorf("default without enable_scale_to_zero must fall back to WVA_SCALE_TO_ZERO: %+v", check2)
	}
}

// TestScaleToZeroRules checks each rule of the scale-to-zero ConfigMap.
func TestScaleToZeroRules(t *testing.T) {
	cases := map[string]string{
		"model_id: m\nretention_period: soon":          "retention_period must be a positive Go duration",
		"model_id: m\nretention_period: -1m":           "retention_period must be a positive",
		"model_id: m\nenable_scale_to_zero: sometimes": "expected a YAML mapping",
		"model_id: m\nretention: 5m":                   "unknown field",
		"enable_scale_to_zero: true":                   "model_id is required",
	}
	for body, rule := range cases {
		s, skipped := ParseScaleToZero("cm", map[string]string{"bad": body, "ok": "model_id: ok\nenable_scale_to_zero: true"})
		if len(skipped) != 1 || skipped[0].Key != "bad" || !strings.Contains(skipped[0].Rule, rule) {
			t.Errorf("%q: skipped %v, want rule %q", body, skipped, rule)
		}
		if s.Entries != 1 || !s.For("ok", "", false).Enabled {
			t.Errorf("%q: valid entry not applied", body)
		}
	}
}

// TestServiceClasses checks the guide's example and each rule.
func TestServiceClasses(t *testing.T) {
	guide := `
- name: Premium
  model: meta/llama-3.1-8b
  priority: 1
  slo-itl: 24
  slo-ttw: 500
- name: Standard
  model: meta/llama-3.1-8b
  priority: 5
  slo-itl: 50
  slo-ttw: 1000
`
	got, skipped, err := ParseServiceClasses("serviceclass", map[string]string{ServiceClassesKey: guide})
	if err != nil || len(skipped) != 0 || len(got) != 2 {
		t.Fatalf("guide example: %v %v %v", got, skipped, err)
	}
	if got[0] != (ServiceClass{Name: "Premium", Model: "meta/llama-3.1-8b", Priority: 1, SLOITL: 24, SLOTTW: 500}) {
		t.Errorf("Premium = %+v", got[0])
	}
	rules := map[string]string{
		"- {model: m, priority: 1, slo-itl: 1, slo-ttw: 1}":                                                                      "name is required",
		"- {name: n, priority: 1, slo-itl: 1, slo-ttw: 1}":                                                                       "model is required",
		"- {name: n, model: m, priority: 0, slo-itl: 1, slo-ttw: 1}":                                                             "priority must be >= 1",
		"- {name: n, model: m, priority: 1, slo-itl: 0, slo-ttw: 1}":                                                             "slo-itl must be a positive",
		"- {name: n, model: m, priority: 1, slo-itl: 1, slo-ttw: -1}":                                                            "slo-ttw must be a positive",
		"- {name: P, model: x, priority: 1, slo-itl: 1, slo-ttw: 1}\n- {name: P, model: x, priority: 2, slo-itl: 1, slo-ttw: 1}": "listed twice",
	}
	for body, rule := range rules {
		_, skipped, err := ParseServiceClasses("sc", map[string]string{ServiceClassesKey: body})
		if err != nil || len(skipped) != 1 || !strings.Contains(skipped[0].Rule, rule) {
			t.Errorf("%q: skipped %v err %v, want rule %q", body, skipped, err, rule)
		}
	}
	for _, bad := range []string{"name: not-a-list", "- ["} {
		if _, _, err := ParseServiceClasses("sc", map[string]string{ServiceClassesKey: bad}); err == nil || !IsInvalid(err) {
			t.Errorf("%q: err = %v, want a document error", bad, err)
		}
	}
}

// TestServiceClassesOneBadEntry: an entry with an unknown field or a value of the wrong
// type is skipped with a rule naming the field, the value and the fix; the other classes
// still apply (one bad class must not drop them all).
func TestServiceClassesOneBadEntry(t *testing.T) {
	list := `
- {name: Premium, model: m, priority: 1, slo-itl: 24, slo-ttw: 500}
- {name: Typo, model: m, priority: 2, slo-itl: 30, slo-ttw: 600, sloTTFT: 700}
- {name: Words, model: m, priority: high, slo-itl: 40, slo-ttw: 700}
- {name: Unit, model: m, priority: 3, slo-itl: 50ms, slo-ttw: 800}
- 42
- {name: Standard, model: m, priority: 5, slo-itl: 50, slo-ttw: 1000}
`
	got, skipped, err := ParseServiceClasses("serviceclass", map[string]string{ServiceClassesKey: list})
	if err != nil {
		t.Fatalf("one bad entry rejected the whole list: %v", err)
	}
	if len(got) != 2 || got[0].Name != "Premium" || got[1].Name != "Standard" {
		t.Errorf("classes in force = %+v, want Premium and Standard", got)
	}
	want := map[string][]string{
		"serviceClasses[1]": {`unknown field "sloTTFT"`, "700", "slo-ttw"},
		"serviceClasses[2]": {"priority", `"high"`, "whole number >= 1"},
		"serviceClasses[3]": {"slo-itl", `"50ms"`, "milliseconds", "without a unit"},
		"serviceClasses[4]": {"42", "name, model, priority, slo-itl, slo-ttw"},
	}
	if len(skipped) != len(want) {
		t.Fatalf("skipped %v, want %d entries", skipped, len(want))
	}
	for _, e := range skipped {
		parts, ok := want[e.Key]
		if !ok {
			t.Errorf("unexpected skipped entry %v", e)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(e.Error(), p) {
				t.Errorf("%s: %q does not name %q", e.Key, e.Error(), p)
			}
		}
	}
}
