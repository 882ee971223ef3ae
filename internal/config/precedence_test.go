package config

import (
	"testing"
)

// precedenceValues are three valid values per key (flag, env, ConfigMap): the ConfigMap value
// differs from the default, the env value from the ConfigMap value and the flag value from
// the env value, all in the canonical form the key renders.
func precedenceValues() map[string][3]string {
	return map[string][3]string{
		KeyConfigMapName:                   {"from-flag", "from-env", "from-cm"},
		KeyPodNamespace:                    {"ns-flag", "ns-env", "ns-cm"},
		KeyPrometheusBaseURL:               {"https://flag:9090", "https://env:9090", "http://cm:9090"},
		KeyMetricsSource:                   {"pod-scrape", "prometheus", "pod-scrape"},
		KeyMetricsAddr:                     {":8443", ":8080", ":9090"},
		KeyMetricsSecure:                   {"false", "true", "false"},
		KeyEnableHTTP2:                     {"true", "false", "true"},
		KeyProbeAddr:                       {":7001", ":7002", ":7003"},
		KeyEnableLeaderElection:            {"true", "false", "true"},
		KeyControllerInstance:              {"inst-flag", "inst-env", "inst-cm"},
		KeyLeaderElectionID:                {"flag.example.io", "env.example.io", "cm.example.io"},
		KeyWebhookCertPath:                 {"/flag/wh", "/env/wh", "/cm/wh"},
		KeyWebhookCertName:                 {"f.crt", "e.crt", "c.crt"},
		KeyWebhookCertKey:                  {"f.key", "e.key", "c.key"},
		KeyMetricsCertPath:                 {"/flag/m", "/env/m", "/cm/m"},
		KeyMetricsCertName:                 {"mf.crt", "me.crt", "mc.crt"},
		KeyMetricsCertKey:                  {"mf.key", "me.key", "mc.key"},
		KeyExternalMetricsAddr:             {":6443", ":6444", ":6445"},
		KeyExternalMetricsCertPath:         {"/flag/x", "/env/x", "/cm/x"},
		KeyExternalMetricsCertName:         {"xf.crt", "xe.crt", "xc.crt"},
		KeyExternalMetricsCertKey:          {"xf.key", "xe.key", "xc.key"},
		KeyPrometheusTLSInsecureSkipVerify: {"true", "false", "true"},
		KeyPrometheusCACertPath:            {"/flag/ca", "/env/ca", "/cm/ca"},
		KeyPrometheusClientCertPath:        {"/flag/c", "/env/c", "/cm/c"},
		KeyPrometheusClientKeyPath:         {"/flag/k", "/env/k", "/cm/k"},
		KeyPrometheusServerName:            {"flag.srv", "env.srv", "cm.srv"},
		KeyPrometheusBearerToken:           {"", "tok-env", ""},
		KeyPrometheusBearerTokenFile:       {"/flag/t", "/env/t", "/cm/t"},
		KeyPrometheusAllowHTTPCredentials:  {"true", "false", "true"},
		KeyScaleToZero:                     {"true", "false", "true"},
		KeyLimitedMode:                     {"true", "false", "true"},
		KeyProactiveModel:                  {"true", "false", "true"},
		KeyDrainAwareScaleDown:             {"false", "true", "false"},
		KeyMetricsPeakWindow:               {"10s", "120s", "90s"},
		KeyProactiveKeepWarm:               {"true", "false", "true"},
		KeyActuationMode:                   {"direct", "metrics", "direct"},
		KeyWatchNamespaces:                 {"a,b", "c", "d,e"},
		KeyStatusHeartbeatInterval:         {"0s", "600s", "30s"},
		KeyAPIWriteQPS:                     {"5", "12.5", "200"},
		KeyAPIWriteBurst:                   {"7", "20", "300"},
		KeyAPIWriteWorkers:                 {"1", "2", "16"},
		KeyGlobalOptInterval:               {"45s", "90s", "120s"},
		KeyPrometheusCacheEnabled:          {"false", "true", "false"},
		KeyPrometheusCacheTTL:              {"5s", "10s", "15s"},
		KeyGatewayMetricsURL:               {"http://flag:9090/metrics", "http://env:9090/metrics", "https://cm:9090/metrics"},
		KeyGatewayBearerToken:              {"", "gw-tok-env", ""},
		KeyGatewayBearerTokenFile:          {"/flag/gt", "/env/gt", "/cm/gt"},
		KeyGatewayCACertPath:               {"/flag/gca", "/env/gca", "/cm/gca"},
		KeyGatewayTLSInsecureSkipVerify:    {"true", "false", "true"},
		KeyGatewayAllowHTTPCredentials:     {"true", "false", "true"},
		KeyScaleFromZeroInterval:           {"100ms", "500ms", "1s"},
	}
}

// companions are keys that must accompany a key for the configuration to be valid.
func companions(key string) map[string]string {
	switch key {
	case KeyPrometheusClientCertPath:
		return map[string]string{KeyPrometheusClientKeyPath: "/base/key"}
	case KeyPrometheusClientKeyPath:
		return map[string]string{KeyPrometheusClientCertPath: "/base/cert"}
	case KeyGatewayBearerToken, KeyGatewayBearerTokenFile, KeyGatewayCACertPath:
		return map[string]string{KeyGatewayMetricsURL: "https://base:9090/metrics"}
	}
	return nil
}

// TestPrecedenceEveryKey checks, for every key, that a flag beats the environment, the
// environment beats the ConfigMap, the ConfigMap beats the default, and that layers a key
// may not come from are ignored.
func TestPrecedenceEveryKey(t *testing.T) {
	values := precedenceValues()
	for _, k := range keyDefs() {
		v, ok := values[k.key]
		if !ok {
			t.Errorf("%s has no precedence test values: add them to precedenceValues", k.key)
			continue
		}
		t.Run(k.key, func(t *testing.T) {
			load := func(flag, env, cm bool) Config {
				t.Helper()
				e := baseEnv()
				switch k.key {
				case KeyPrometheusBaseURL:
					delete(e, k.key)
				case KeyMetricsAddr: // baseEnv sets it; the default "0" must load as is
					delete(e, k.key)
				}
				if flag || env || cm {
					for ck, cv := range companions(k.key) {
						e[ck] = cv
					}
				}
				var args []string
				data := map[string]string{}
				if flag && k.sources&fromFlag != 0 {
					args = []string{"--" + k.flagName() + "=" + v[0]}
				}
				if env {
					e[k.key] = v[1]
				}
				if cm && k.key != KeyPrometheusBearerToken {
					data[k.key] = v[2]
				}
				return mustLoad(t, args, e, data)
			}
			check := func(name string, cfg Config, want string, wantLayer Layer) {
				t.Helper()
				if got := k.get(&cfg); got != want {
					t.Errorf("%s: %s = %q, want %q", name, k.key, got, want)
				}
				if got := cfg.Origin(k.key); got != wantLayer {
					t.Errorf("%s: origin of %s = %v, want %v", name, k.key, got, wantLayer)
				}
			}
			display := func(s string) string { return k.display(s) }
			if k.key != KeyPrometheusBaseURL { // required: its default case is tested on its own
				check("default", load(false, false, false), display(k.defaultDoc0()), LayerDefault)
			}
			cmOnly := load(false, false, true)
			if k.sources&fromConfigMap != 0 {
				check("ConfigMap over default", cmOnly, display(v[2]), LayerConfigMap)
			} else if k.key != KeyPrometheusBaseURL {
				check("ConfigMap not read", cmOnly, display(k.defaultDoc0()), LayerDefault)
			}
			check("environment over ConfigMap", load(false, true, true), display(v[1]), LayerEnv)
			if k.sources&fromFlag != 0 {
				check("flag over environment", load(true, true, true), display(v[0]), LayerFlag)
			}
		})
	}
}

// defaultDoc0 is the default value of a key in a configuration where nothing else is set.
func (k keyDef) defaultDoc0() string { return k.def(&Config{}) }

// TestGuideExample is the guide's own precedence example for METRICS_ADDR.
func TestGuideExample(t *testing.T) {
	cm := map[string]string{KeyMetricsAddr: ":9090"}
	env := baseEnv()
	delete(env, KeyMetricsAddr)
	if got := mustLoad(t, nil, env, nil).Static.MetricsAddr; got != "0" {
		t.Errorf("default METRICS_ADDR = %q, want \"0\" (disabled)", got)
	}
	if got := mustLoad(t, nil, env, cm).Static.MetricsAddr; got != ":9090" {
		t.Errorf("ConfigMap METRICS_ADDR = %q, want :9090", got)
	}
	env[KeyMetricsAddr] = ":8080"
	if got := mustLoad(t, nil, env, cm).Static.MetricsAddr; got != ":8080" {
		t.Errorf("env METRICS_ADDR = %q, want :8080", got)
	}
	if got := mustLoad(t, []string{"--metrics-addr=:8443"}, env, cm).Static.MetricsAddr; got != ":8443" {
		t.Errorf("flag METRICS_ADDR = %q, want :8443", got)
	}
}

// TestTypedFields checks that resolved values land in the typed fields components read.
func TestTypedFields(t *testing.T) {
	env := baseEnv()
	env[KeyControllerInstance] = "team-a"
	env[KeyWatchNamespaces] = " ns1, ns2 ,ns1,"
	env[KeyPrometheusBearerToken] = "Bearer abc123"
	cfg := mustLoad(t, []string{"--enable-leader-election", "--global-opt-interval=2m"}, env,
		map[string]string{KeyPrometheusCacheTTL: " 45s\n", KeyActuationMode: "direct"})
	s, d := cfg.Static, cfg.Dynamic
	if !s.LeaderElection.Enabled || s.LeaderElection.ID != "wva-team-a.llmd.ai" {
		t.Errorf("leader election = %+v, want enabled with wva-team-a.llmd.ai", s.LeaderElection)
	}
	if len(s.WatchNamespaces) != 2 || s.WatchNamespaces[0] != "ns1" || s.WatchNamespaces[1] != "ns2" {
		t.Errorf("WatchNamespaces = %q, want [ns1 ns2]", s.WatchNamespaces)
	}
	if s.Prometheus.BearerToken.Reveal() != "abc123" {
		t.Errorf("bearer token = %q, want the Bearer prefix dropped", s.Prometheus.BearerToken.Reveal())
	}
	if d.OptimizationInterval.Minutes() != 2 || d.PrometheusCache.TTL.Seconds() != 45 || !d.PrometheusCache.Enabled {
		t.Errorf("dynamic = %+v", d)
	}
	if s.ActuationMode != ActuationDirect || s.MetricsSource != MetricsSourcePrometheus {
		t.Errorf("modes = %q %q", s.ActuationMode, s.MetricsSource)
	}
	if s.Namespace != DefaultNamespace || s.ConfigMapName != DefaultConfigMapName || s.ProbeAddr != ":8081" {
		t.Errorf("defaults = %q %q %q", s.Namespace, s.ConfigMapName, s.ProbeAddr)
	}
	if got := cfg.SaturationFor("any", "ns"); got != cfg.Dynamic.Saturation.Default || got.KvCacheThreshold != 0.8 {
		t.Errorf("saturation before any ConfigMap = %+v, want built-in defaults", got)
	}
}

// TestEmptyValuesAreUnset checks that an empty environment variable or ConfigMap value does
// not hide a lower layer.
func TestEmptyValuesAreUnset(t *testing.T) {
	env := baseEnv()
	delete(env, KeyMetricsAddr)
	env[KeyProbeAddr] = "  "
	cfg := mustLoad(t, []string{"--metrics-addr="}, env, map[string]string{KeyProbeAddr: ":7000", KeyMetricsAddr: ":7001"})
	if cfg.Static.ProbeAddr != ":7000" || cfg.Static.MetricsAddr != ":7001" {
		t.Errorf("probe %q metrics %q, want the ConfigMap values", cfg.Static.ProbeAddr, cfg.Static.MetricsAddr)
	}
}

// TestValueNamesWhatIsInForce checks Value: the resolved value in its written form, a
// secret redacted, and no value for a key WVA does not have.
func TestValueNamesWhatIsInForce(t *testing.T) {
	cfg, err := Load([]string{"--global-opt-interval=120s"}, envOf(map[string]string{
		KeyPrometheusBaseURL: "https://prom:9090", KeyPrometheusBearerToken: "s3cr3t", KeyMetricsAddr: ":8443"}), nil, allExist)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{KeyGlobalOptInterval: "120s", KeyPrometheusBaseURL: "https://prom:9090",
		KeyPrometheusBearerToken: redacted, KeyProbeAddr: DefaultProbeAddr} {
		if got, ok := cfg.Value(key); !ok || got != want {
			t.Errorf("Value(%s) = %q, %v; want %q", key, got, ok, want)
		}
	}
	if got, ok := cfg.Value("NO_SUCH_KEY"); ok {
		t.Errorf("Value of an unknown key = %q, true", got)
	}
}
