package config

import (
	"net/url"
	"time"
)

// StaticConfig is what the process is built around at start-up: listeners, leader election,
// certificates, the Prometheus connection and feature flags. Changing any of it means
// restarting, so a running controller keeps these values and rejects ConfigMap edits to them.
type StaticConfig struct {
	// MetricsAddr is the bind address of /metrics; DisabledAddr turns it off.
	MetricsAddr string
	// MetricsSecure serves /metrics over HTTPS with authentication; false is plain HTTP.
	MetricsSecure bool
	// EnableHTTP2 allows HTTP/2 on the metrics and webhook servers.
	EnableHTTP2 bool
	// ProbeAddr is the bind address of /healthz and /readyz; DisabledAddr turns it off.
	ProbeAddr string
	// LeaderElection decides whether replicas elect a leader, and on which Lease.
	LeaderElection LeaderElectionConfig
	// WebhookCert locates the webhook serving certificate; empty Path means self-generated.
	WebhookCert CertConfig
	// MetricsCert locates the metrics serving certificate; empty Path means self-generated.
	MetricsCert CertConfig
	// ExternalMetricsAddr is the HTTPS bind address of the built-in external metrics API;
	// DisabledAddr (the default) turns it off.
	ExternalMetricsAddr string
	// ExternalMetricsCert locates its serving certificate; empty Path means self-generated.
	ExternalMetricsCert CertConfig
	// Prometheus is how to reach and authenticate to Prometheus.
	Prometheus PrometheusConfig
	// Features are the feature flags.
	Features FeatureFlags
	// ConfigMapName names the main ConfigMap in Namespace.
	ConfigMapName string
	// Namespace is the controller's namespace, where all its ConfigMaps live.
	Namespace string
	// ControllerInstance, when set, makes this controller manage only VAs labelled with it.
	ControllerInstance string
	// MetricsSource selects the collector.
	MetricsSource MetricsSource
	// ActuationMode selects the actuator.
	ActuationMode ActuationMode
	// WatchNamespaces restricts the namespaces watched for VAs; empty means all.
	WatchNamespaces []string
	// Gateway is where the inference gateway's flow-control queue is read directly.
	Gateway GatewayConfig
	// ScaleFromZeroInterval is how often models at zero are checked for waiting requests;
	// zero turns the fast path off (the decision cycle still wakes them).
	ScaleFromZeroInterval time.Duration
	// Writes bounds the API writes of each decision cycle.
	Writes WriteConfig
	// MetricsPeakWindow is the window the saturation peaks are taken over, by both sources;
	// samples older than it are stale.
	MetricsPeakWindow time.Duration
}

// LeaderElectionConfig keeps two replicas (or two installs) from deciding at once.
type LeaderElectionConfig struct {
	// Enabled turns leader election on.
	Enabled bool
	// ID is the Lease name; it carries CONTROLLER_INSTANCE by default so installs do not share it.
	ID string
}

// CertConfig is a serving certificate laid out the way cert-manager mounts it: a directory
// with a certificate file and a key file.
type CertConfig struct {
	// Path is the directory; empty means the server generates a self-signed certificate.
	Path string
	// Name is the certificate file name inside Path.
	Name string
	// Key is the private key file name inside Path.
	Key string
}

// PrometheusConfig is everything needed to connect to Prometheus securely.
type PrometheusConfig struct {
	// BaseURL is the http(s) endpoint of the Prometheus API, without user info: credentials
	// given in the URL are in URLUser and URLPassword, so BaseURL is safe to print.
	BaseURL string
	// URLUser and URLPassword are the user info PROMETHEUS_BASE_URL carried, if any; the
	// client sends them as HTTP basic authentication.
	URLUser, URLPassword Secret
	// AllowHTTPCredentials lets credentials go to an http:// (not https://) BaseURL.
	AllowHTTPCredentials bool
	// TLSInsecureSkipVerify skips certificate verification (development only).
	TLSInsecureSkipVerify bool
	// CACertPath is a PEM CA bundle to verify the server with.
	CACertPath string
	// ClientCertPath and ClientKeyPath are the mutual-TLS client credentials; both or neither.
	ClientCertPath string
	// ClientKeyPath is the private key matching ClientCertPath.
	ClientKeyPath string
	// ServerName overrides the name checked in the server certificate.
	ServerName string
	// BearerToken authenticates requests; it never prints.
	BearerToken Secret
	// BearerTokenFile is read by the client on each use, so rotated tokens are picked up.
	BearerTokenFile string
}

// FeatureFlags switch whole behaviours on or off.
type FeatureFlags struct {
	// ScaleToZero is the cluster-wide fallback for models the scale-to-zero ConfigMap does not name.
	ScaleToZero bool
	// LimitedMode limits scale-ups to the free accelerators of the cluster.
	LimitedMode bool
	// ProactiveModel runs the queueing model next to the saturation analyser (HYBRID mode).
	ProactiveModel bool
	// DrainAwareScaleDown sets controller.kubernetes.io/pod-deletion-cost on the replicas
	// with the least work in flight before a scale-down.
	DrainAwareScaleDown bool
	// ProactiveKeepWarm lets HYBRID mode keep one replica of an idle model warm when a
	// cold start would cost more than the attainment budget, overruling the zero policy.
	ProactiveKeepWarm bool
}

// fullBaseURL is the base URL as configured, user info included; never print it (the key
// table redacts it in messages). It exists to compare configured values.
func (p PrometheusConfig) fullBaseURL() string {
	if p.BaseURL == "" || (!p.URLUser.IsSet() && !p.URLPassword.IsSet()) {
		return p.BaseURL
	}
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return p.BaseURL
	}
	if p.URLPassword.IsSet() {
		u.User = url.UserPassword(p.URLUser.Reveal(), p.URLPassword.Reveal())
	} else {
		u.User = url.User(p.URLUser.Reveal())
	}
	return u.String()
}

// HasURLCredentials reports whether PROMETHEUS_BASE_URL carried user info.
func (p PrometheusConfig) HasURLCredentials() bool {
	return p.URLUser.IsSet() || p.URLPassword.IsSet()
}
