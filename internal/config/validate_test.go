package config

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestValidationRules checks each rule: Load fails, with exactly one message for the one
// problem, naming the key, the value, its source and what is expected.
func TestValidationRules(t *testing.T) {
	cmName := "ConfigMap " + DefaultConfigMapName
	cases := []struct {
		name   string
		args   []string
		env    map[string]string // merged over baseEnv; "" deletes
		cm     map[string]string
		exists FileExists
		want   []string // substrings of the single message
	}{
		{name: "base URL required", env: map[string]string{KeyPrometheusBaseURL: ""},
			want: []string{"PROMETHEUS_BASE_URL is required: set it in the environment or the ConfigMap workload-variant-autoscaler-variantautoscaling-config, e.g. https://prometheus:9090"}},
		{name: "base URL scheme", env: map[string]string{KeyPrometheusBaseURL: "ftp://prom:9090"},
			want: []string{`PROMETHEUS_BASE_URL="ftp://prom:9090" (environment)`, "expected an http or https URL"}},
		{name: "base URL unparsable", cm: map[string]string{KeyPrometheusBaseURL: "http://[::1"}, env: map[string]string{KeyPrometheusBaseURL: ""},
			want: []string{`PROMETHEUS_BASE_URL="http://[::1" (` + cmName + ")", "expected an http or https URL"}},
		{name: "base URL without host", args: []string{"--prometheus-base-url=https://"},
			want: []string{`(flag --prometheus-base-url)`, "expected an http or https URL"}},
		{name: "interval not a duration", env: map[string]string{KeyGlobalOptInterval: "abc"},
			want: []string{`GLOBAL_OPT_INTERVAL="abc" (environment)`, "expected a positive Go duration"}},
		{name: "interval zero", cm: map[string]string{KeyGlobalOptInterval: "0s"},
			want: []string{`GLOBAL_OPT_INTERVAL="0s" (` + cmName + ")", "positive"}},
		{name: "interval negative", args: []string{"--global-opt-interval=-5s"},
			want: []string{`GLOBAL_OPT_INTERVAL="-5s" (flag --global-opt-interval)`}},
		{name: "interval below the minimum", env: map[string]string{KeyGlobalOptInterval: "1ms"},
			want: []string{`GLOBAL_OPT_INTERVAL="1ms" (environment): must be at least 1s`}},
		{name: "peak window below the minimum", args: []string{"--metrics-peak-window=1s"},
			want: []string{`METRICS_PEAK_WINDOW="1s" (flag --metrics-peak-window): must be at least 5s`}},
		{name: "drain-aware scale-down not a boolean", cm: map[string]string{KeyDrainAwareScaleDown: "sometimes"},
			want: []string{`DRAIN_AWARE_SCALE_DOWN="sometimes" (` + cmName + ")"}},
		{name: "bearer token over http", env: map[string]string{KeyPrometheusBaseURL: "http://prom:9090", KeyPrometheusBearerToken: "s3cr3t"},
			want: []string{`PROMETHEUS_BASE_URL="http://prom:9090" (environment): would send the bearer token (PROMETHEUS_BEARER_TOKEN) in clear text over http://`,
				"use https://", "PROMETHEUS_ALLOW_HTTP_CREDENTIALS=true"}},
		{name: "bearer token file over http", env: map[string]string{KeyPrometheusBaseURL: "HTTP://prom:9090", KeyPrometheusBearerTokenFile: "/tok"},
			want: []string{"would send the bearer token (PROMETHEUS_BEARER_TOKEN_FILE) in clear text over http://"}},
		{name: "gateway bearer token over http", env: map[string]string{KeyGatewayMetricsURL: "http://epp:9090/metrics", KeyGatewayBearerToken: "s3cr3t"},
			want: []string{`GATEWAY_METRICS_URL="http://epp:9090/metrics" (environment): would send the bearer token (GATEWAY_BEARER_TOKEN) in clear text over http://`,
				"use https://", "GATEWAY_ALLOW_HTTP_CREDENTIALS=true"}},
		{name: "gateway bearer token file over http", args: []string{"--gateway-metrics-url=HTTP://epp:9090/metrics"}, env: map[string]string{KeyGatewayBearerTokenFile: "/tok"},
			want: []string{`GATEWAY_METRICS_URL="HTTP://epp:9090/metrics" (flag --gateway-metrics-url): would send the bearer token (GATEWAY_BEARER_TOKEN_FILE) in clear text over http://`}},
		{name: "URL credentials over http", env: map[string]string{KeyPrometheusBaseURL: "http://wva:s3cr3t@prom:9090"},
			want: []string{`PROMETHEUS_BASE_URL="http://[redacted]@prom:9090" (environment): would send the user info of the URL in clear text`}},
		{name: "URL credentials and a bearer token", env: map[string]string{KeyPrometheusBaseURL: "https://wva:s3cr3t@prom:9090", KeyPrometheusBearerToken: "tok"},
			want: []string{`PROMETHEUS_BASE_URL="https://[redacted]@prom:9090" (environment): carries user info`, "use only one"}},
		{name: "invalid URL with credentials", env: map[string]string{KeyPrometheusBaseURL: "ftp://wva:s3cr3t@prom:9090/x"},
			want: []string{`PROMETHEUS_BASE_URL="ftp://[redacted]@prom:9090/x" (environment): expected an http or https URL`}},
		{name: "cache TTL", env: map[string]string{KeyPrometheusCacheTTL: "10"},
			want: []string{`PROMETHEUS_CACHE_TTL="10"`, "Go duration"}},
		{name: "bool", env: map[string]string{KeyScaleToZero: "yes please"},
			want: []string{`WVA_SCALE_TO_ZERO="yes please" (environment): expected true or false`}},
		{name: "bool flag", args: []string{"--enable-leader-election=maybe"},
			want: []string{`ENABLE_LEADER_ELECTION="maybe" (flag --enable-leader-election): expected true or false`}},
		{name: "metrics addr", env: map[string]string{KeyMetricsAddr: "8080"},
			want: []string{`METRICS_ADDR="8080"`, `expected "0" (disabled) or host:port`}},
		{name: "probe port range", cm: map[string]string{KeyProbeAddr: ":99999"},
			want: []string{`PROBE_ADDR=":99999"`, "host:port"}},
		{name: "leader election id", env: map[string]string{KeyLeaderElectionID: "Bad_ID"},
			want: []string{`LEADER_ELECTION_ID="Bad_ID"`, "DNS-1123 subdomain"}},
		{name: "controller instance", env: map[string]string{KeyControllerInstance: "Team_A"},
			want: []string{`CONTROLLER_INSTANCE="Team_A"`, "DNS-1123 label"}},
		{name: "namespace", env: map[string]string{KeyPodNamespace: "Not A Namespace"},
			want: []string{`POD_NAMESPACE="Not A Namespace"`, "DNS-1123 label"}},
		{name: "config map name", args: []string{"--config-map-name=UPPER"},
			want: []string{`CONFIG_MAP_NAME="UPPER" (flag --config-map-name)`, "subdomain"}},
		{name: "metrics source", env: map[string]string{KeyMetricsSource: "graphite"},
			want: []string{`METRICS_SOURCE="graphite"`, "expected one of prometheus, pod-scrape"}},
		{name: "actuation mode", cm: map[string]string{KeyActuationMode: "keda"},
			want: []string{`ACTUATION_MODE="keda"`, "expected one of metrics, direct"}},
		{name: "watch namespaces", env: map[string]string{KeyWatchNamespaces: "ok,Bad!"},
			want: []string{`WATCH_NAMESPACES="ok,Bad!"`, "DNS-1123 label"}},
		{name: "webhook cert dir missing", args: []string{"--webhook-cert-path=/certs/wh"}, exists: existing(),
			want: []string{`WEBHOOK_CERT_PATH="/certs/wh" (flag --webhook-cert-path): directory does not exist`, "tls.crt and tls.key"}},
		{name: "webhook key missing", env: map[string]string{KeyWebhookCertPath: "/c"}, exists: existing("/c", "/c/tls.crt"),
			want: []string{`WEBHOOK_CERT_PATH="/c" (environment): /c/tls.key does not exist`}},
		{name: "metrics cert missing", env: map[string]string{KeyMetricsCertPath: "/m", KeyMetricsCertName: "m.crt"}, exists: existing("/m", "/m/tls.key"),
			want: []string{`METRICS_CERT_PATH="/m"`, "/m/m.crt does not exist"}},
		{name: "cert name with directory", env: map[string]string{KeyMetricsCertName: "a/b.crt"},
			want: []string{`METRICS_CERT_NAME="a/b.crt"`, "without '/'"}},
		{name: "CA missing", env: map[string]string{KeyPrometheusCACertPath: "/ca.pem"}, exists: existing(),
			want: []string{`PROMETHEUS_CA_CERT_PATH="/ca.pem" (environment): file does not exist`}},
		{name: "client cert without key", env: map[string]string{KeyPrometheusClientCertPath: "/c.pem"},
			want: []string{`PROMETHEUS_CLIENT_CERT_PATH="/c.pem"`, "without PROMETHEUS_CLIENT_KEY_PATH"}},
		{name: "client key without cert", cm: map[string]string{KeyPrometheusClientKeyPath: "/k.pem"},
			want: []string{`PROMETHEUS_CLIENT_KEY_PATH="/k.pem" (` + cmName + ")", "without PROMETHEUS_CLIENT_CERT_PATH"}},
		{name: "token file missing", env: map[string]string{KeyPrometheusBearerTokenFile: "/tok"}, exists: existing(),
			want: []string{`PROMETHEUS_BEARER_TOKEN_FILE="/tok"`, "file does not exist"}},
		{name: "token and token file", env: map[string]string{KeyPrometheusBearerToken: "s3cr3t", KeyPrometheusBearerTokenFile: "/tok"},
			want: []string{"PROMETHEUS_BEARER_TOKEN_FILE", "set only one"}},
		{name: "token in ConfigMap", cm: map[string]string{KeyPrometheusBearerToken: "s3cr3t"},
			want: []string{`PROMETHEUS_BEARER_TOKEN="[redacted]" (` + cmName + "): must not be in a ConfigMap"}},
		{name: "gateway URL scheme", env: map[string]string{KeyGatewayMetricsURL: "epp:9090/metrics"},
			want: []string{`GATEWAY_METRICS_URL="epp:9090/metrics" (environment)`, "expected an http or https URL"}},
		{name: "gateway token without URL", env: map[string]string{KeyGatewayBearerToken: "s3cr3t"},
			want: []string{`GATEWAY_METRICS_URL="" (default): is required when gateway credentials are set`}},
		{name: "gateway token and token file", env: map[string]string{KeyGatewayMetricsURL: "https://epp:9090/metrics", KeyGatewayBearerToken: "s3cr3t", KeyGatewayBearerTokenFile: "/gt"},
			want: []string{"GATEWAY_BEARER_TOKEN_FILE", "set only one"}},
		{name: "gateway token file missing", env: map[string]string{KeyGatewayMetricsURL: "https://epp:9090/metrics", KeyGatewayBearerTokenFile: "/gt"}, exists: existing(),
			want: []string{`GATEWAY_BEARER_TOKEN_FILE="/gt" (environment): file does not exist`}},
		{name: "gateway token in ConfigMap", cm: map[string]string{KeyGatewayBearerToken: "s3cr3t"},
			want: []string{`GATEWAY_BEARER_TOKEN="[redacted]" (` + cmName + "): must not be in a ConfigMap"}},
		{name: "fast path interval below the minimum", env: map[string]string{KeyScaleFromZeroInterval: "10ms"},
			want: []string{`SCALE_FROM_ZERO_INTERVAL="10ms" (environment)`, "at least 50ms"}},
		{name: "unknown flag", args: []string{"--no-such-flag"},
			want: []string{"flag provided but not defined: -no-such-flag"}},
		{name: "positional argument", args: []string{"stray"},
			want: []string{`unexpected arguments ["stray"]`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv()
			for k, v := range tc.env {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			exists := tc.exists
			if exists == nil {
				exists = allExist
			}
			_, err := Load(tc.args, envOf(env), tc.cm, exists)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !IsInvalid(err) {
				t.Errorf("error does not wrap the invalid-configuration sentinel: %v", err)
			}
			msg := err.Error()
			if strings.Count(msg, "\n") != 0 {
				t.Errorf("want exactly one problem, got:\n%s", msg)
			}
			if miss, ok := containsAll(msg, tc.want...); !ok {
				t.Errorf("message %q lacks %q", msg, miss)
			}
			if strings.Contains(msg, "s3cr3t") {
				t.Errorf("message leaks the token: %q", msg)
			}
		})
	}
}

// TestCredentialsOverHTTPNeedConsent checks what the rules above refuse is accepted when
// asked for explicitly, and over https.
func TestCredentialsOverHTTPNeedConsent(t *testing.T) {
	for _, env := range []map[string]string{
		{KeyPrometheusBaseURL: "http://localhost:9090", KeyPrometheusBearerToken: "tok", "PROMETHEUS_ALLOW_HTTP_CREDENTIALS": "true"},
		{KeyPrometheusBaseURL: "http://wva:pw@localhost:9090", "PROMETHEUS_ALLOW_HTTP_CREDENTIALS": "true"},
		{KeyPrometheusBaseURL: "https://prom:9090", KeyPrometheusBearerToken: "tok"},
		{KeyPrometheusBaseURL: "https://wva:pw@prom:9090"},
		{KeyPrometheusBaseURL: "http://prom:9090"},
		{KeyPrometheusBaseURL: "https://prom:9090", KeyGatewayMetricsURL: "http://localhost:9090/metrics", KeyGatewayBearerToken: "tok", "GATEWAY_ALLOW_HTTP_CREDENTIALS": "true"},
		{KeyPrometheusBaseURL: "https://prom:9090", KeyGatewayMetricsURL: "https://epp:9090/metrics", KeyGatewayBearerToken: "tok"},
		{KeyPrometheusBaseURL: "https://prom:9090", KeyGatewayMetricsURL: "http://epp:9090/metrics"},
	} {
		env[KeyMetricsAddr] = ":8443"
		if _, err := Load(nil, envOf(env), nil, allExist); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
	if _, err := Load([]string{"--metrics-source=pod-scrape", "--metrics-addr=:8443"},
		envOf(map[string]string{KeyPrometheusBaseURL: "http://prom:9090", KeyPrometheusBearerToken: "tok"}), nil, allExist); err != nil {
		t.Errorf("credentials that are not used (pod-scrape) were refused: %v", err)
	}
}

// TestAllProblemsAtOnce checks that validation reports every problem, not the first one.
func TestAllProblemsAtOnce(t *testing.T) {
	env := map[string]string{
		KeyGlobalOptInterval:    "soon",
		KeyMetricsAddr:          "nope",
		KeyPrometheusCACertPath: "/missing",
		KeyEnableLeaderElection: "perhaps",
	}
	_, err := Load(nil, envOf(env), nil, existing())
	errs := keyErrors(t, err)
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Key] = true
	}
	for _, k := range []string{KeyPrometheusBaseURL, KeyGlobalOptInterval, KeyMetricsAddr, KeyPrometheusCACertPath, KeyEnableLeaderElection} {
		if !got[k] {
			t.Errorf("no error for %s in %v", k, err)
		}
	}
	if len(errs) != 5 {
		t.Errorf("got %d errors, want 5: %v", len(errs), err)
	}
	if errs[0].Key != KeyPrometheusBaseURL {
		t.Errorf("errors are not in documentation order: first is %s", errs[0].Key)
	}
}

// TestPodScrapeNeedsNoPrometheus checks that PROMETHEUS_BASE_URL is required only when
// Prometheus is the metric source.
func TestPodScrapeNeedsNoPrometheus(t *testing.T) {
	if _, err := Load([]string{"--metrics-source=pod-scrape", "--metrics-addr=:8443"}, envOf(nil), nil, allExist); err != nil {
		t.Errorf("pod-scrape without Prometheus: %v", err)
	}
}

// TestValidCertificates checks that existing certificate directories and files pass.
func TestValidCertificates(t *testing.T) {
	env := baseEnv()
	env[KeyWebhookCertPath], env[KeyMetricsCertPath] = "/wh", "/m"
	env[KeyPrometheusCACertPath] = "/ca"
	fs := existing("/wh", "/wh/tls.crt", "/wh/tls.key", "/m", "/m/tls.crt", "/m/tls.key", "/ca")
	if _, err := Load(nil, envOf(env), nil, fs); err != nil {
		t.Errorf("Load: %v", err)
	}
}

// TestHelp checks that --help is reported as flag.ErrHelp, not as a configuration problem,
// and that the usage text names keys, defaults and precedence.
func TestHelp(t *testing.T) {
	_, err := Load([]string{"--help"}, envOf(nil), nil, allExist)
	if !errors.Is(err, flag.ErrHelp) || IsInvalid(err) {
		t.Fatalf("Load(--help) = %v, want flag.ErrHelp", err)
	}
	var b strings.Builder
	PrintUsage(&b, "wva")
	for _, want := range []string{"-metrics-addr", "env METRICS_ADDR", "default 0", "-probe-addr", "default :8081",
		"-enable-leader-election", "-leader-election-id", "-webhook-cert-path", "-metrics-secure",
		"CLI flag, environment variable, the main ConfigMap", "PROMETHEUS_BEARER_TOKEN", "mutable at runtime"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("usage lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "-prometheus-bearer-token ") {
		t.Error("the bearer token must not be a flag (it would show in the process list)")
	}
}

// TestMainConfigMapRef checks that the main ConfigMap's location follows flag > env > default.
func TestMainConfigMapRef(t *testing.T) {
	ns, name, err := MainConfigMapRef(nil, envOf(nil))
	if err != nil || ns != DefaultNamespace || name != DefaultConfigMapName {
		t.Errorf("defaults = %q %q %v", ns, name, err)
	}
	ns, name, err = MainConfigMapRef([]string{"--config-map-name=flagged"}, envOf(map[string]string{KeyPodNamespace: "wva", KeyConfigMapName: "env"}))
	if err != nil || ns != "wva" || name != "flagged" {
		t.Errorf("overrides = %q %q %v", ns, name, err)
	}
	if _, _, err = MainConfigMapRef(nil, envOf(map[string]string{KeyPodNamespace: "Bad NS"})); err == nil {
		t.Error("an invalid POD_NAMESPACE was accepted")
	}
}

// TestUnknownKeys checks that typos and flag/env-only keys in the ConfigMap are reported.
func TestUnknownKeys(t *testing.T) {
	got := UnknownKeys(map[string]string{"GLOBAL_OPT_INTERVALL": "1m", KeyPodNamespace: "x", KeyGlobalOptInterval: "1m", KeyPrometheusBearerToken: "t"})
	want := []string{"GLOBAL_OPT_INTERVALL", KeyPodNamespace, KeyPrometheusBearerToken}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("UnknownKeys = %v, want %v", got, want)
	}
	if !IsMutable(KeyGlobalOptInterval) || IsMutable(KeyPrometheusBaseURL) || IsMutable("NOPE") {
		t.Error("IsMutable is wrong")
	}
}
