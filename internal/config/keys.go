package config

import "time"

// Names of the settings. Each is the environment variable, the main ConfigMap key and (in
// lower case with dashes) the CLI flag, so one name finds a setting in every layer.
const (
	// KeyPrometheusBaseURL is the Prometheus endpoint WVA queries (required, immutable).
	KeyPrometheusBaseURL = "PROMETHEUS_BASE_URL"
	// KeyMetricsAddr is the bind address of WVA's own /metrics; "0" disables it.
	KeyMetricsAddr = "METRICS_ADDR"
	// KeyMetricsSecure serves /metrics over HTTPS with authn/authz when true.
	KeyMetricsSecure = "METRICS_SECURE"
	// KeyEnableHTTP2 allows HTTP/2 on the metrics and webhook servers (off: CVE-2023-44487).
	KeyEnableHTTP2 = "ENABLE_HTTP2"
	// KeyProbeAddr is the bind address of the health and readiness probes.
	KeyProbeAddr = "PROBE_ADDR"
	// KeyEnableLeaderElection makes replicas elect one leader that decides and acts.
	KeyEnableLeaderElection = "ENABLE_LEADER_ELECTION"
	// KeyLeaderElectionID names the Lease the replicas compete for.
	KeyLeaderElectionID = "LEADER_ELECTION_ID"
	// KeyWebhookCertPath is the directory holding the webhook serving certificate.
	KeyWebhookCertPath = "WEBHOOK_CERT_PATH"
	// KeyWebhookCertName is the certificate file name inside KeyWebhookCertPath.
	KeyWebhookCertName = "WEBHOOK_CERT_NAME"
	// KeyWebhookCertKey is the private key file name inside KeyWebhookCertPath.
	KeyWebhookCertKey = "WEBHOOK_CERT_KEY"
	// KeyMetricsCertPath is the directory holding the metrics serving certificate.
	KeyMetricsCertPath = "METRICS_CERT_PATH"
	// KeyMetricsCertName is the certificate file name inside KeyMetricsCertPath.
	KeyMetricsCertName = "METRICS_CERT_NAME"
	// KeyMetricsCertKey is the private key file name inside KeyMetricsCertPath.
	KeyMetricsCertKey = "METRICS_CERT_KEY"
	// KeyExternalMetricsAddr is the bind address of the built-in external metrics API
	// (external.metrics.k8s.io for the HPA); "0", the default, turns it off.
	KeyExternalMetricsAddr = "EXTERNAL_METRICS_ADDR"
	// KeyExternalMetricsCertPath is the directory holding the external metrics API's serving certificate.
	KeyExternalMetricsCertPath = "EXTERNAL_METRICS_CERT_PATH"
	// KeyExternalMetricsCertName is the certificate file name inside KeyExternalMetricsCertPath.
	KeyExternalMetricsCertName = "EXTERNAL_METRICS_CERT_NAME"
	// KeyExternalMetricsCertKey is the private key file name inside KeyExternalMetricsCertPath.
	KeyExternalMetricsCertKey = "EXTERNAL_METRICS_CERT_KEY"
	// KeyPrometheusTLSInsecureSkipVerify disables Prometheus certificate checks (development only).
	KeyPrometheusTLSInsecureSkipVerify = "PROMETHEUS_TLS_INSECURE_SKIP_VERIFY"
	// KeyPrometheusCACertPath is a CA bundle for verifying Prometheus.
	KeyPrometheusCACertPath = "PROMETHEUS_CA_CERT_PATH"
	// KeyPrometheusClientCertPath is the client certificate for mutual TLS with Prometheus.
	KeyPrometheusClientCertPath = "PROMETHEUS_CLIENT_CERT_PATH"
	// KeyPrometheusClientKeyPath is the client key for mutual TLS with Prometheus.
	KeyPrometheusClientKeyPath = "PROMETHEUS_CLIENT_KEY_PATH"
	// KeyPrometheusServerName is the name expected in Prometheus's certificate.
	KeyPrometheusServerName = "PROMETHEUS_SERVER_NAME"
	// KeyPrometheusBearerToken is a bearer token for Prometheus (environment only, never printed).
	KeyPrometheusBearerToken = "PROMETHEUS_BEARER_TOKEN"
	// KeyPrometheusBearerTokenFile is a file holding the bearer token, re-read by the client.
	KeyPrometheusBearerTokenFile = "PROMETHEUS_BEARER_TOKEN_FILE"
	// KeyPrometheusAllowHTTPCredentials lets credentials (bearer token, URL user info) go
	// to Prometheus over plain http://; refused otherwise, since anyone on the path reads them.
	KeyPrometheusAllowHTTPCredentials = "PROMETHEUS_ALLOW_HTTP_CREDENTIALS"
	// KeyScaleToZero is the cluster-wide scale-to-zero fallback (below the ConfigMap entries).
	KeyScaleToZero = "WVA_SCALE_TO_ZERO"
	// KeyLimitedMode turns on the accelerator limiter.
	KeyLimitedMode = "WVA_LIMITED_MODE"
	// KeyProactiveModel turns on HYBRID mode (queueing model next to saturation).
	KeyProactiveModel = "EXPERIMENTAL_PROACTIVE_MODEL"
	// KeyProactiveKeepWarm lets HYBRID mode keep one replica warm where the zero policy
	// would scale an idle model to zero (opt-in).
	KeyProactiveKeepWarm = "EXPERIMENTAL_PROACTIVE_KEEP_WARM"
	// KeyConfigMapName names the main ConfigMap (flag and environment only).
	KeyConfigMapName = "CONFIG_MAP_NAME"
	// KeyPodNamespace is the controller's namespace, where its ConfigMaps live (flag and environment only).
	KeyPodNamespace = "POD_NAMESPACE"
	// KeyControllerInstance isolates this controller's VAs, metrics and Lease from other installs.
	KeyControllerInstance = "CONTROLLER_INSTANCE"
	// KeyMetricsSource selects where replica signals come from: prometheus or pod-scrape.
	KeyMetricsSource = "METRICS_SOURCE"
	// KeyActuationMode selects how decisions act: metrics (HPA/KEDA) or direct (scale subresource).
	KeyActuationMode = "ACTUATION_MODE"
	// KeyMetricsPeakWindow is the window the saturation peaks are taken over (immutable).
	KeyMetricsPeakWindow = "METRICS_PEAK_WINDOW"
	// KeyDrainAwareScaleDown marks the replicas with the least work in flight with a low
	// pod deletion cost before a scale-down, so they go first.
	KeyDrainAwareScaleDown = "DRAIN_AWARE_SCALE_DOWN"
	// KeyWatchNamespaces restricts the VAs watched to a comma-separated list; empty means all.
	KeyWatchNamespaces = "WATCH_NAMESPACES"
	// KeyGlobalOptInterval is the decision cycle period (mutable).
	KeyGlobalOptInterval = "GLOBAL_OPT_INTERVAL"
	// KeyPrometheusCacheEnabled caches Prometheus query results within KeyPrometheusCacheTTL (mutable).
	KeyPrometheusCacheEnabled = "PROMETHEUS_CACHE_ENABLED"
	// KeyPrometheusCacheTTL is how long a cached Prometheus result may be reused (mutable).
	KeyPrometheusCacheTTL = "PROMETHEUS_CACHE_TTL"
)

// Names and defaults that the operator sees in manifests and in the guide.
const (
	// DefaultConfigMapName is the main ConfigMap when CONFIG_MAP_NAME is not set.
	DefaultConfigMapName = "workload-variant-autoscaler-variantautoscaling-config"
	// DefaultNamespace is the controller namespace when POD_NAMESPACE is not set.
	DefaultNamespace = "workload-variant-autoscaler-system"
	// SaturationConfigMapName holds the saturation thresholds.
	SaturationConfigMapName = "saturation-scaling-config"
	// LegacySaturationConfigMapName is read only when SaturationConfigMapName does not exist.
	LegacySaturationConfigMapName = "capacity-scaling-config"
	// ScaleToZeroConfigMapName holds the scale-to-zero policy.
	ScaleToZeroConfigMapName = "model-scale-to-zero-config"
	// ServiceClassConfigMapName holds the service classes (SLOs) of HYBRID mode.
	ServiceClassConfigMapName = "serviceclass"
	// PerformancePriorConfigMapName holds the HYBRID mode's per-accelerator priors of the
	// performance model and engine limits vLLM does not export.
	PerformancePriorConfigMapName = "performance-prior-config"
	// ServiceClassesKey is the data key of ServiceClassConfigMapName holding the class list.
	ServiceClassesKey = "serviceClasses"
	// DefaultEntryKey is the data key of the entry that every model inherits from.
	DefaultEntryKey = "default"
	// DefaultLeaderElectionID is the Lease name; CONTROLLER_INSTANCE gives each install its own.
	DefaultLeaderElectionID = "wva.llmd.ai"
	// DefaultMetricsAddr disables WVA's own metrics endpoint.
	DefaultMetricsAddr = "0"
	// DefaultProbeAddr is the health probe bind address.
	DefaultProbeAddr = ":8081"
	// DefaultOptimizationInterval is the decision cycle period.
	DefaultOptimizationInterval = 60 * time.Second
	// MinOptimizationInterval is the shortest decision cycle period accepted: every cycle
	// queries Prometheus and may write each VA's status, and signals do not change faster
	// than servers are scraped.
	MinOptimizationInterval = time.Second
	// DefaultPrometheusCacheTTL bounds how long a Prometheus answer is reused by cycles that
	// follow each other quickly (triggered by VA, Deployment or configuration changes).
	DefaultPrometheusCacheTTL = 30 * time.Second
	// DefaultMetricsPeakWindow is the window of the saturation peaks (max_over_time[1m]).
	DefaultMetricsPeakWindow = time.Minute
	// MinMetricsPeakWindow is the shortest peak window accepted: a few scrapes of a fast
	// scrape interval.
	MinMetricsPeakWindow = 5 * time.Second
	// DisabledAddr is the address value that turns a listener off.
	DisabledAddr = "0"
)

// MetricsSource says where per-replica signals come from.
type MetricsSource string

const (
	// MetricsSourcePrometheus queries Prometheus (the default; needs PROMETHEUS_BASE_URL).
	MetricsSourcePrometheus MetricsSource = "prometheus"
	// MetricsSourcePodScrape scrapes each model server's /metrics directly.
	MetricsSourcePodScrape MetricsSource = "pod-scrape"
)

// ActuationMode says how a decision reaches the workload.
type ActuationMode string

const (
	// ActuationMetrics publishes wva_desired_replicas for an HPA or KEDA to act on (the default).
	ActuationMetrics ActuationMode = "metrics"
	// ActuationDirect patches the target's scale subresource itself.
	ActuationDirect ActuationMode = "direct"
)
