package config

import (
	"reflect"
	"testing"
)

// FuzzParseSaturation: no panic; an error (skipped entry) for every entry not in force; every
// configuration in force passes the core's validator (decision.SaturationConfig.Validate); the Store never holds an invalid one.
func FuzzParseSaturation(f *testing.F) {
	f.Add("kvCacheThreshold: 0.9", "m", "model_id: m\nkvSpareTrigger: 0.2")
	f.Add("", "x", "model_id: x\nnamespace: n\nanalyzerVersion: v2\nscaleUpThreshold: 0.9")
	f.Add("kvCacheThreshold: 1.5", "bad", "kvCacheThreshold: .nan")
	f.Add("{", "m", "model_id: m\nqueueLengthThreshold: -1")
	f.Add("- 1", "default2", "model_id: \"\"")
	f.Fuzz(func(t *testing.T, def, key, entry string) {
		data := map[string]string{DefaultEntryKey: def, key: entry}
		s, skipped := ParseSaturation("cm", data)
		if s.Entries+len(skipped) != len(data) {
			t.Fatalf("%d entries in force + %d skipped != %d entries given", s.Entries, len(skipped), len(data))
		}
		if err := s.Default.Validate(); err != nil {
			t.Fatalf("invalid default in force: %v", err)
		}
		for mk, c := range s.Overrides {
			if err := c.Validate(); err != nil {
				t.Fatalf("invalid override %v in force: %v", mk, err)
			}
		}
		store := NewStore(Config{Dynamic: DynamicConfig{Saturation: builtinSaturation()}})
		store.ApplySaturation(ConfigMapContent{Name: "cm", Present: true, Data: data}, ConfigMapContent{})
		if got := store.SaturationFor(key, ""); got.Validate() != nil {
			t.Fatalf("store holds an invalid configuration: %+v", got)
		}
	})
}

// FuzzParseScaleToZero: no panic; every entry is in force or reported; retention is positive.
func FuzzParseScaleToZero(f *testing.F) {
	f.Add("enable_scale_to_zero: true", "m", "model_id: m\nretention_period: 5m")
	f.Add("retention_period: -1s", "m", "model_id: m\nenable_scale_to_zero: maybe")
	f.Add("[", "", "")
	f.Fuzz(func(t *testing.T, def, key, entry string) {
		data := map[string]string{DefaultEntryKey: def, key: entry}
		s, skipped := ParseScaleToZero("cm", data)
		if s.Entries+len(skipped) != len(data) {
			t.Fatalf("%d in force + %d skipped != %d given", s.Entries, len(skipped), len(data))
		}
		if z := s.For(key, "", false); z.RetentionPeriod <= 0 {
			t.Fatalf("non-positive retention in force: %v", z.RetentionPeriod)
		}
	})
}

// FuzzServiceClasses: no panic; an unusable list is an error and the Store keeps the last
// good classes; every class in force passes the rules.
func FuzzServiceClasses(f *testing.F) {
	f.Add("- {name: P, model: m, priority: 1, slo-itl: 24, slo-ttw: 500}")
	f.Add("- name: P\n  model: m\n  priority: 0\n  slo-itl: 1\n  slo-ttw: 1")
	f.Add("{{")
	f.Add("null")
	f.Fuzz(func(t *testing.T, list string) {
		store := NewStore(Config{})
		good := ConfigMapContent{Name: "sc", Present: true,
			Data: map[string]string{ServiceClassesKey: "- {name: G, model: g, priority: 2, slo-itl: 10, slo-ttw: 100}"}}
		if _, err := store.ApplyServiceClasses(good); err != nil {
			t.Fatal(err)
		}
		before := store.Current().Dynamic.ServiceClasses
		_, err := store.ApplyServiceClasses(ConfigMapContent{Name: "sc", Present: true, Data: map[string]string{ServiceClassesKey: list}})
		after := store.Current().Dynamic.ServiceClasses
		if err != nil && !reflect.DeepEqual(before, after) {
			t.Fatalf("a rejected list changed the classes in force: %v", after)
		}
		for _, sc := range after {
			if rule := serviceClassRule(sc); rule != "" {
				t.Fatalf("invalid class in force: %s", rule)
			}
		}
	})
}

// FuzzApplyMain: no panic; an error leaves the whole configuration in force unchanged; the
// static part never changes; what is in force always validates.
func FuzzApplyMain(f *testing.F) {
	f.Add("120s", "https://other:9090", "false", "10s")
	f.Add("abc", "", "maybe", "-1s")
	f.Add("0s", "ftp://x", "true", "1h")
	f.Add("", "http://[::1", "", "")
	f.Fuzz(func(t *testing.T, interval, url, cache, ttl string) {
		cfg, err := Load(nil, envOf(nil), map[string]string{KeyPrometheusBaseURL: "https://prom:9090", KeyMetricsAddr: ":8443"}, allExist)
		if err != nil {
			t.Fatal(err)
		}
		store := NewStore(cfg)
		before := store.Current()
		_, err = store.ApplyMain(ConfigMapContent{Name: DefaultConfigMapName, Present: true, Data: map[string]string{
			KeyGlobalOptInterval: interval, KeyPrometheusBaseURL: url, KeyPrometheusCacheEnabled: cache, KeyPrometheusCacheTTL: ttl}})
		after := store.Current()
		if !reflect.DeepEqual(before.Static, after.Static) {
			t.Fatalf("static configuration changed at runtime: %+v", after.Static)
		}
		if err != nil && !reflect.DeepEqual(before.Dynamic, after.Dynamic) {
			t.Fatalf("a rejected update changed the dynamic configuration")
		}
		if after.Dynamic.OptimizationInterval <= 0 || after.Dynamic.PrometheusCache.TTL <= 0 {
			t.Fatalf("invalid values in force: %+v", after.Dynamic)
		}
	})
}
