package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
)

// newTestStore loads a store whose main ConfigMap holds data.
func newTestStore(t *testing.T, env, data map[string]string) *Store {
	t.Helper()
	return NewStore(mustLoad(t, nil, env, data))
}

// main wraps data as the main ConfigMap.
func main(data map[string]string) ConfigMapContent {
	return ConfigMapContent{Name: DefaultConfigMapName, Present: true, Data: data}
}

// TestApplyMainMutable checks that an interval change applies, is reported with old/new
// values, and reaches interval subscribers.
func TestApplyMainMutable(t *testing.T) {
	s := newTestStore(t, baseEnv(), map[string]string{KeyGlobalOptInterval: "60s"})
	ch, cancel := s.IntervalChanges()
	defer cancel()
	any, cancelAny := s.Changes()
	defer cancelAny()
	upd, err := s.ApplyMain(main(map[string]string{KeyGlobalOptInterval: "2m", KeyPrometheusCacheEnabled: "false"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{Key: KeyGlobalOptInterval, Old: "60s", New: "120s"}, {Key: KeyPrometheusCacheEnabled, Old: "true", New: "false"}}
	if fmt.Sprint(upd.Applied) != fmt.Sprint(want) || len(upd.Rejected) != 0 {
		t.Errorf("update = %+v, want applied %v", upd, want)
	}
	if s.Interval() != 2*time.Minute || s.Current().Dynamic.PrometheusCache.Enabled {
		t.Errorf("not in force: %v %+v", s.Interval(), s.Current().Dynamic.PrometheusCache)
	}
	select {
	case d := <-ch:
		if d != 2*time.Minute {
			t.Errorf("subscriber got %v", d)
		}
	default:
		t.Error("interval subscriber not told")
	}
	select {
	case <-any:
	default:
		t.Error("change subscriber not told")
	}
	// Same content again: nothing changes, nobody is woken.
	if upd, _ := s.ApplyMain(main(map[string]string{KeyGlobalOptInterval: "120s", KeyPrometheusCacheEnabled: "false"})); len(upd.Applied) != 0 {
		t.Errorf("re-applying the same values reported %v", upd.Applied)
	}
	select {
	case d := <-ch:
		t.Errorf("subscriber woken without a change: %v", d)
	default:
	}
}

// TestApplyMainImmutable checks that an immutable change is rejected and the running value
// stays, while a mutable change in the same update still applies.
func TestApplyMainImmutable(t *testing.T) {
	s := newTestStore(t, nil, map[string]string{KeyPrometheusBaseURL: "https://old:9090", KeyMetricsAddr: ":8080"})
	upd, err := s.ApplyMain(main(map[string]string{KeyPrometheusBaseURL: "https://new-prometheus:9090",
		KeyGlobalOptInterval: "30s", KeyProbeAddr: "garbage"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(upd.RejectedKeys(), ","); got != "PROMETHEUS_BASE_URL,METRICS_ADDR,PROBE_ADDR" {
		t.Errorf("rejected %q (removing METRICS_ADDR and an invalid PROBE_ADDR are changes too)", got)
	}
	if upd.Rejected[0].Old != "https://old:9090" || upd.Rejected[0].New != "https://new-prometheus:9090" {
		t.Errorf("rejected change = %+v", upd.Rejected[0])
	}
	c := s.Current()
	if c.Static.Prometheus.BaseURL != "https://old:9090" || c.Static.MetricsAddr != ":8080" || c.Static.ProbeAddr != ":8081" {
		t.Errorf("static changed: %+v", c.Static)
	}
	if c.Dynamic.OptimizationInterval != 30*time.Second {
		t.Errorf("mutable change not applied alongside: %v", c.Dynamic.OptimizationInterval)
	}
}

// TestApplyMainInvalidKeepsLastGood checks that an invalid mutable value applies nothing.
func TestApplyMainInvalidKeepsLastGood(t *testing.T) {
	s := newTestStore(t, baseEnv(), map[string]string{KeyGlobalOptInterval: "60s"})
	before := s.Current()
	upd, err := s.ApplyMain(main(map[string]string{KeyGlobalOptInterval: "fast", KeyPrometheusCacheTTL: "5s"}))
	if err == nil || !strings.Contains(err.Error(), `GLOBAL_OPT_INTERVAL="fast"`) {
		t.Fatalf("err = %v", err)
	}
	if len(upd.Applied) != 0 || s.Current().Dynamic.OptimizationInterval != before.Dynamic.OptimizationInterval ||
		s.Current().Dynamic.PrometheusCache != before.Dynamic.PrometheusCache {
		t.Errorf("an invalid update changed the configuration: %+v", s.Current().Dynamic)
	}
}

// TestApplyMainShadowedAndDeleted checks that flag/env keep winning at runtime and that
// deleting the ConfigMap falls back to defaults for mutable keys.
func TestApplyMainShadowedAndDeleted(t *testing.T) {
	env := baseEnv()
	env[KeyGlobalOptInterval] = "45s"
	s := newTestStore(t, env, map[string]string{KeyPrometheusCacheTTL: "5s"})
	upd, err := s.ApplyMain(main(map[string]string{KeyGlobalOptInterval: "10s", KeyPrometheusCacheTTL: "5s", "TYPO": "1"}))
	if err != nil || len(upd.Applied) != 0 || len(upd.Shadowed) != 1 || upd.Shadowed[0].Key != KeyGlobalOptInterval ||
		strings.Join(upd.Ignored, ",") != "TYPO" {
		t.Errorf("update = %+v %v", upd, err)
	}
	if s.Interval() != 45*time.Second {
		t.Errorf("environment lost to the ConfigMap at runtime: %v", s.Interval())
	}
	upd, err = s.ApplyMain(ConfigMapContent{Name: DefaultConfigMapName})
	if err != nil || len(upd.Applied) != 1 || upd.Applied[0] != (Change{Key: KeyPrometheusCacheTTL, Old: "5s", New: "30s"}) {
		t.Errorf("deleting the ConfigMap: %+v %v", upd, err)
	}
}

// TestApplyDynamicConfigMaps checks the saturation legacy name, deletion fallback, counts,
// and that a bad service class list keeps the last good one.
func TestApplyDynamicConfigMaps(t *testing.T) {
	s := newTestStore(t, baseEnv(), nil)
	legacy := ConfigMapContent{Name: LegacySaturationConfigMapName, Present: true, Data: map[string]string{"default": "kvCacheThreshold: 0.7"}}
	upd := s.ApplySaturation(ConfigMapContent{Name: SaturationConfigMapName}, legacy)
	if upd.ConfigMap != LegacySaturationConfigMapName || s.SaturationFor("m", "n").KvCacheThreshold != 0.7 || upd.NewEntries != 1 {
		t.Errorf("legacy name not read: %+v", upd)
	}
	primary := ConfigMapContent{Name: SaturationConfigMapName, Present: true, Data: map[string]string{
		"default": "kvCacheThreshold: 0.6", "m": "model_id: m\nkvCacheThreshold: 0.95", "bad": "model_id: x\nkvCacheThreshold: 7"}}
	upd = s.ApplySaturation(primary, legacy)
	if upd.ConfigMap != SaturationConfigMapName || upd.OldEntries != 1 || upd.NewEntries != 2 || len(upd.Skipped) != 1 || !upd.Changed {
		t.Errorf("primary over legacy: %+v", upd)
	}
	if s.SaturationFor("m", "n").KvCacheThreshold != 0.95 || s.SaturationFor("x", "n").KvCacheThreshold != 0.6 {
		t.Error("override or default not in force")
	}
	upd = s.ApplySaturation(ConfigMapContent{Name: SaturationConfigMapName}, ConfigMapContent{Name: LegacySaturationConfigMapName})
	if upd.ConfigMap != "" || upd.NewEntries != 0 || s.SaturationFor("m", "n") != builtinSaturation().Default {
		t.Errorf("deletion did not fall back to built-in defaults: %+v", upd)
	}

	sc := ConfigMapContent{Name: ServiceClassConfigMapName, Present: true,
		Data: map[string]string{ServiceClassesKey: "- {name: P, model: m, priority: 1, slo-itl: 24, slo-ttw: 500}"}}
	if u, err := s.ApplyServiceClasses(sc); err != nil || u.NewEntries != 1 {
		t.Fatalf("service classes: %+v %v", u, err)
	}
	sc.Data = map[string]string{ServiceClassesKey: "{{{"}
	if _, err := s.ApplyServiceClasses(sc); err == nil || len(s.Current().Dynamic.ServiceClasses) != 1 {
		t.Errorf("bad service classes replaced the good ones: %v", err)
	}

	z := ConfigMapContent{Name: ScaleToZeroConfigMapName, Present: true, Data: map[string]string{"default": "enable_scale_to_zero: true"}}
	if u := s.ApplyScaleToZero(z); u.NewEntries != 1 || !s.ZeroFor("m", "n").Enabled {
		t.Errorf("scale to zero: %+v", u)
	}
	if u := s.ApplyScaleToZero(ConfigMapContent{Name: ScaleToZeroConfigMapName}); u.NewEntries != 0 || s.ZeroFor("m", "n").Enabled {
		t.Errorf("scale-to-zero deletion: %+v", u)
	}
}

// TestStoreConcurrent exercises readers and writers together (run with -race).
func TestStoreConcurrent(t *testing.T) {
	s := newTestStore(t, baseEnv(), nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				_, _ = s.ApplyMain(main(map[string]string{KeyGlobalOptInterval: fmt.Sprintf("%ds", 1+i+j)}))
				s.ApplySaturation(ConfigMapContent{Name: SaturationConfigMapName, Present: true,
					Data: map[string]string{"default": fmt.Sprintf("queueLengthThreshold: %d", j)}}, ConfigMapContent{})
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				if s.Interval() <= 0 || s.SaturationFor("m", "n").KvCacheThreshold <= 0 {
					t.Error("read an invalid configuration")
				}
			}
		}()
	}
	wg.Wait()
}

// TestSecretNeverPrints checks every way a Config could be printed or logged.
func TestSecretNeverPrints(t *testing.T) {
	env := baseEnv()
	env[KeyPrometheusBearerToken] = "tok-12345"
	cfg := mustLoad(t, nil, env, nil)
	js, err := json.Marshal(cfg.Static)
	if err != nil {
		t.Fatalf("marshal the static config: %v", err)
	}
	var logged strings.Builder
	logger := funcr.New(func(prefix, args string) { logged.WriteString(args) }, funcr.Options{})
	logger.Info("config", "config", cfg, "static", cfg.Static, "token", cfg.Static.Prometheus.BearerToken)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s %q", cfg, cfg, cfg, cfg.Static.Prometheus.BearerToken,
		cfg.Static.Prometheus.BearerToken), string(js), logged.String()} {
		if strings.Contains(out, "tok-12345") {
			t.Errorf("token leaked: %s", out)
		}
	}
	if !strings.Contains(logged.String(), redacted) || cfg.Static.Prometheus.BearerToken.Reveal() != "tok-12345" {
		t.Errorf("token not redacted in logs or not revealable: %s", logged.String())
	}
}

// TestCredentialsInBaseURLNeverPrint checks that user info in PROMETHEUS_BASE_URL never
// reaches anything printed: the Config (fmt, JSON, logr), errors about the value, and
// the report of a rejected runtime change, which still notices a changed password.
func TestCredentialsInBaseURLNeverPrint(t *testing.T) {
	env := baseEnv()
	env[KeyPrometheusBaseURL] = "https://wva:s3cr3t@prometheus:9090/prom"
	cfg := mustLoad(t, nil, env, nil)
	if got := cfg.Static.Prometheus.BaseURL; got != "https://prometheus:9090/prom" {
		t.Errorf("BaseURL = %q, want the URL without user info", got)
	}
	js, err := json.Marshal(cfg.Static)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	logger := funcr.New(func(prefix, args string) { logged.WriteString(args) }, funcr.Options{})
	logger.Info("config", "config", cfg, "static", cfg.Static, "prometheus", cfg.Static.Prometheus)
	_, loadErr := Load(nil, envOf(map[string]string{KeyPrometheusBaseURL: "ftp://wva:s3cr3t@prom:9090", KeyMetricsAddr: ":8443"}), nil, allExist)

	s := newTestStore(t, map[string]string{KeyMetricsAddr: ":8443"}, map[string]string{KeyPrometheusBaseURL: "https://wva:s3cr3t@prometheus:9090"})
	upd, err := s.ApplyMain(main(map[string]string{KeyPrometheusBaseURL: "https://wva:n3w-s3cr3t@prometheus:9090"}))
	if err != nil || len(upd.Rejected) != 1 {
		t.Fatalf("a changed password in the URL was not rejected as an immutable change: %+v %v", upd, err)
	}
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), string(js), logged.String(), fmt.Sprint(loadErr),
		fmt.Sprint(upd.Rejected)} {
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "wva:") {
			t.Errorf("credentials leaked: %s", out)
		}
	}
	if upd.Rejected[0].Old != "https://[redacted]@prometheus:9090" {
		t.Errorf("rejected change shows %q, want the redacted URL", upd.Rejected[0].Old)
	}
}

// TestPrometheusCacheNeverSpansAScheduledCycle checks the cache's reuse bound: the TTL,
// but under half the optimisation interval, and nothing when the cache is off.
func TestPrometheusCacheNeverSpansAScheduledCycle(t *testing.T) {
	for _, tc := range []struct {
		enabled       bool
		ttl, interval time.Duration
		want          time.Duration
	}{
		{true, 30 * time.Second, time.Minute, 30 * time.Second},
		{true, 30 * time.Second, 10 * time.Second, 5 * time.Second},
		{true, 2 * time.Second, 10 * time.Second, 2 * time.Second},
		{false, 30 * time.Second, time.Minute, 0},
	} {
		c := PrometheusCacheConfig{Enabled: tc.enabled, TTL: tc.ttl}
		if got := c.EffectiveTTL(tc.interval); got != tc.want {
			t.Errorf("%+v at interval %v: %v, want %v", c, tc.interval, got, tc.want)
		}
	}
}
