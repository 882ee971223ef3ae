package config

import (
	"net/url"
	"strings"
	"time"
)

// bootstrapKeys locate the ConfigMap itself, so they cannot come from it.
func bootstrapKeys() []keyDef {
	name := stringKey(KeyConfigMapName, "name of the main ConfigMap in POD_NAMESPACE", DefaultConfigMapName,
		func(c *Config) *string { return &c.Static.ConfigMapName }, checkSubdomain)
	ns := stringKey(KeyPodNamespace, "namespace of the controller and of its ConfigMaps", DefaultNamespace,
		func(c *Config) *string { return &c.Static.Namespace }, checkLabel)
	name.sources, ns.sources = fromFlag|fromEnv, fromFlag|fromEnv
	return []keyDef{name, ns}
}

// serverKeys are the process's listeners, leader election and serving certificates.
func serverKeys() []keyDef {
	leaderID := stringKey(KeyLeaderElectionID, "name of the leader election Lease", "",
		func(c *Config) *string { return &c.Static.LeaderElection.ID }, checkSubdomain)
	leaderID.def = func(c *Config) string {
		if c.Static.ControllerInstance == "" {
			return DefaultLeaderElectionID
		}
		return "wva-" + c.Static.ControllerInstance + ".llmd.ai"
	}
	leaderID.defDoc = DefaultLeaderElectionID + ", or wva-<CONTROLLER_INSTANCE>.llmd.ai when that is set"
	return []keyDef{
		stringKey(KeyMetricsAddr, `bind address of /metrics, "0" disables it`, DefaultMetricsAddr,
			func(c *Config) *string { return &c.Static.MetricsAddr }, checkAddr),
		boolKey(KeyMetricsSecure, "serve /metrics over HTTPS with authentication; false serves plain HTTP", true,
			func(c *Config) *bool { return &c.Static.MetricsSecure }),
		boolKey(KeyEnableHTTP2, "allow HTTP/2 on the metrics and webhook servers", false,
			func(c *Config) *bool { return &c.Static.EnableHTTP2 }),
		stringKey(KeyProbeAddr, `bind address of /healthz and /readyz, "0" disables them`, DefaultProbeAddr,
			func(c *Config) *string { return &c.Static.ProbeAddr }, checkAddr),
		boolKey(KeyEnableLeaderElection, "elect one leader among replicas; only the leader decides and acts", false,
			func(c *Config) *bool { return &c.Static.LeaderElection.Enabled }),
		stringKey(KeyControllerInstance, "manage only VAs labelled wva.llmd.ai/controller-instance=<value>", "",
			func(c *Config) *string { return &c.Static.ControllerInstance }, checkLabel),
		leaderID,
		stringKey(KeyWebhookCertPath, "directory of the webhook serving certificate; empty self-generates", "",
			func(c *Config) *string { return &c.Static.WebhookCert.Path }, nil),
		stringKey(KeyWebhookCertName, "webhook certificate file name", "tls.crt",
			func(c *Config) *string { return &c.Static.WebhookCert.Name }, checkFileName),
		stringKey(KeyWebhookCertKey, "webhook key file name", "tls.key",
			func(c *Config) *string { return &c.Static.WebhookCert.Key }, checkFileName),
		stringKey(KeyMetricsCertPath, "directory of the metrics serving certificate; empty self-generates", "",
			func(c *Config) *string { return &c.Static.MetricsCert.Path }, nil),
		stringKey(KeyMetricsCertName, "metrics certificate file name", "tls.crt",
			func(c *Config) *string { return &c.Static.MetricsCert.Name }, checkFileName),
		stringKey(KeyMetricsCertKey, "metrics key file name", "tls.key",
			func(c *Config) *string { return &c.Static.MetricsCert.Key }, checkFileName),
		stringKey(KeyExternalMetricsAddr, `HTTPS bind address of the built-in external metrics API for the HPA, e.g. ":6443"; "0" turns it off`, DisabledAddr,
			func(c *Config) *string { return &c.Static.ExternalMetricsAddr }, checkAddr),
		stringKey(KeyExternalMetricsCertPath, "directory of the external metrics API's serving certificate; empty self-generates", "",
			func(c *Config) *string { return &c.Static.ExternalMetricsCert.Path }, nil),
		stringKey(KeyExternalMetricsCertName, "external metrics API certificate file name", "tls.crt",
			func(c *Config) *string { return &c.Static.ExternalMetricsCert.Name }, checkFileName),
		stringKey(KeyExternalMetricsCertKey, "external metrics API key file name", "tls.key",
			func(c *Config) *string { return &c.Static.ExternalMetricsCert.Key }, checkFileName),
	}
}

// prometheusKeys are the connection to Prometheus and the metric source.
func prometheusKeys() []keyDef {
	token := keyDef{
		key: KeyPrometheusBearerToken, usage: "bearer token for Prometheus (environment only, never printed)",
		sources: fromEnv, secret: true, def: constant(""),
		set: func(c *Config, v string) error {
			c.Static.Prometheus.BearerToken = NewSecret(normalizeToken(v))
			return nil
		},
		get: func(c *Config) string { return c.Static.Prometheus.BearerToken.String() },
	}
	source := enumKey(KeyMetricsSource, "where replica signals come from", MetricsSourcePrometheus,
		[]MetricsSource{MetricsSourcePrometheus, MetricsSourcePodScrape},
		func(c *Config) *MetricsSource { return &c.Static.MetricsSource })
	return []keyDef{
		baseURLKey(),
		source,
		boolKey(KeyPrometheusTLSInsecureSkipVerify, "skip Prometheus certificate verification (development only)", false,
			func(c *Config) *bool { return &c.Static.Prometheus.TLSInsecureSkipVerify }),
		stringKey(KeyPrometheusCACertPath, "CA bundle to verify Prometheus", "",
			func(c *Config) *string { return &c.Static.Prometheus.CACertPath }, nil),
		stringKey(KeyPrometheusClientCertPath, "client certificate for mutual TLS (with PROMETHEUS_CLIENT_KEY_PATH)", "",
			func(c *Config) *string { return &c.Static.Prometheus.ClientCertPath }, nil),
		stringKey(KeyPrometheusClientKeyPath, "client key for mutual TLS (with PROMETHEUS_CLIENT_CERT_PATH)", "",
			func(c *Config) *string { return &c.Static.Prometheus.ClientKeyPath }, nil),
		stringKey(KeyPrometheusServerName, "server name expected in Prometheus's certificate", "",
			func(c *Config) *string { return &c.Static.Prometheus.ServerName }, nil),
		token,
		stringKey(KeyPrometheusBearerTokenFile, "file holding the Prometheus bearer token, re-read on use", "",
			func(c *Config) *string { return &c.Static.Prometheus.BearerTokenFile }, nil),
		boolKey(KeyPrometheusAllowHTTPCredentials, "allow the bearer token or the user info of PROMETHEUS_BASE_URL over http:// (clear text: trusted networks only)", false,
			func(c *Config) *bool { return &c.Static.Prometheus.AllowHTTPCredentials }),
		durationKey(KeyMetricsPeakWindow, "window of the saturation peaks (KV cache, queue); also how long scale-downs wait after signals come back from a failure",
			DefaultMetricsPeakWindow, MinMetricsPeakWindow,
			func(c *Config) *time.Duration { return &c.Static.MetricsPeakWindow }),
	}
}

// baseURLKey is PROMETHEUS_BASE_URL. User info in the URL (https://user:password@host)
// is moved into secrets at once, so that the URL kept in the configuration, and every
// log line, event and error that shows it, carries no credential.
func baseURLKey() keyDef {
	return keyDef{
		key: KeyPrometheusBaseURL, usage: "Prometheus API endpoint, e.g. https://prometheus:9090 (required with METRICS_SOURCE=prometheus)",
		sources: everywhere, def: constant(""), redact: RedactURL,
		set: func(c *Config, v string) error {
			p := &c.Static.Prometheus
			p.BaseURL, p.URLUser, p.URLPassword = "", Secret{}, Secret{}
			if v == "" {
				return nil
			}
			if err := checkURL(v); err != nil {
				return err
			}
			u, _ := url.Parse(v) // checkURL parsed it
			if u.User != nil {
				pass, _ := u.User.Password()
				p.URLUser, p.URLPassword = NewSecret(u.User.Username()), NewSecret(pass)
				u.User = nil
			}
			p.BaseURL = u.String()
			return nil
		},
		get: func(c *Config) string { return c.Static.Prometheus.fullBaseURL() },
	}
}

// featureKeys are feature flags and the choice of actuator and watched namespaces.
func featureKeys() []keyDef {
	mode := enumKey(KeyActuationMode, "how decisions act: metrics (HPA/KEDA) or direct (scale subresource)",
		ActuationMetrics, []ActuationMode{ActuationMetrics, ActuationDirect},
		func(c *Config) *ActuationMode { return &c.Static.ActuationMode })
	watch := keyDef{
		key: KeyWatchNamespaces, usage: "comma-separated namespaces to watch for VAs; empty watches all",
		sources: everywhere, def: constant(""),
		set: func(c *Config, v string) error {
			list := splitList(v)
			for _, ns := range list {
				if err := checkLabel(ns); err != nil {
					return err
				}
			}
			c.Static.WatchNamespaces = list
			return nil
		},
		get: func(c *Config) string { return strings.Join(c.Static.WatchNamespaces, ",") },
	}
	return []keyDef{
		boolKey(KeyScaleToZero, "allow scale to zero for models the scale-to-zero ConfigMap does not decide", false,
			func(c *Config) *bool { return &c.Static.Features.ScaleToZero }),
		boolKey(KeyLimitedMode, "limit scale-ups to free accelerators", false,
			func(c *Config) *bool { return &c.Static.Features.LimitedMode }),
		boolKey(KeyProactiveModel, "HYBRID mode: queueing model next to the saturation analyser (experimental)", false,
			func(c *Config) *bool { return &c.Static.Features.ProactiveModel }),
		boolKey(KeyDrainAwareScaleDown, "before a scale-down, give the replicas with the least work in flight a low pod deletion cost so they go first", true,
			func(c *Config) *bool { return &c.Static.Features.DrainAwareScaleDown }),
		boolKey(KeyProactiveKeepWarm, "HYBRID mode may keep one replica warm instead of scaling an idle model to zero (opt-in)", false,
			func(c *Config) *bool { return &c.Static.Features.ProactiveKeepWarm }),
		mode,
		watch,
	}
}

// dynamicKeys are the main ConfigMap keys that apply at runtime.
func dynamicKeys() []keyDef {
	keys := []keyDef{
		durationKey(KeyGlobalOptInterval, "decision cycle period", DefaultOptimizationInterval, MinOptimizationInterval,
			func(c *Config) *time.Duration { return &c.Dynamic.OptimizationInterval }),
		boolKey(KeyPrometheusCacheEnabled, "reuse Prometheus answers for cycles in quick succession, within PROMETHEUS_CACHE_TTL", true,
			func(c *Config) *bool { return &c.Dynamic.PrometheusCache.Enabled }),
		durationKey(KeyPrometheusCacheTTL, "longest a cached Prometheus answer is reused (never beyond half of GLOBAL_OPT_INTERVAL)",
			DefaultPrometheusCacheTTL, time.Millisecond,
			func(c *Config) *time.Duration { return &c.Dynamic.PrometheusCache.TTL }),
	}
	for i := range keys {
		keys[i].mutable = true
	}
	return keys
}
