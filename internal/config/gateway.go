package config

import (
	"errors"
	"strings"
	"time"
)

// Names of the settings for scale from zero: where the inference gateway's flow-control
// queue is read, and how often models at zero are checked.
const (
	// KeyGatewayMetricsURL is the inference gateway's (endpoint picker's) metrics endpoint,
	// scraped directly for the flow-control queue; without it the queue is read through
	// Prometheus (METRICS_SOURCE=prometheus) or not at all.
	KeyGatewayMetricsURL = "GATEWAY_METRICS_URL"
	// KeyGatewayBearerToken authenticates to the gateway's metrics (environment only).
	KeyGatewayBearerToken = "GATEWAY_BEARER_TOKEN"
	// KeyGatewayBearerTokenFile is a file holding that token, re-read when it changes.
	KeyGatewayBearerTokenFile = "GATEWAY_BEARER_TOKEN_FILE"
	// KeyGatewayCACertPath is a CA bundle to verify the gateway's metrics certificate.
	KeyGatewayCACertPath = "GATEWAY_CA_CERT_PATH"
	// KeyGatewayTLSInsecureSkipVerify skips that verification (development only).
	KeyGatewayTLSInsecureSkipVerify = "GATEWAY_TLS_INSECURE_SKIP_VERIFY"
	// KeyGatewayAllowHTTPCredentials lets the bearer token go to an http:// (not https://)
	// GATEWAY_METRICS_URL, in clear text, as PROMETHEUS_ALLOW_HTTP_CREDENTIALS does for Prometheus.
	KeyGatewayAllowHTTPCredentials = "GATEWAY_ALLOW_HTTP_CREDENTIALS"
	// KeyScaleFromZeroInterval is how often models at zero are checked for waiting
	// requests (the fast path); 0 turns the fast path off.
	KeyScaleFromZeroInterval = "SCALE_FROM_ZERO_INTERVAL"
)

// DefaultScaleFromZeroInterval checks models at zero five times a second: with the queue
// scraped at least every 500 ms, a waiting request is seen and decided on within a second.
const DefaultScaleFromZeroInterval = 200 * time.Millisecond

// minScaleFromZeroInterval keeps the fast path from flooding Prometheus or the gateway.
const minScaleFromZeroInterval = 50 * time.Millisecond

// GatewayConfig is how to read the inference gateway's flow-control queue directly.
type GatewayConfig struct {
	// MetricsURL is the gateway's metrics endpoint, e.g. https://epp.llm-d:9090/metrics;
	// empty means read the queue through Prometheus.
	MetricsURL string
	// BearerToken authenticates the scrape; it never prints.
	BearerToken Secret
	// BearerTokenFile holds the token instead, re-read when it changes.
	BearerTokenFile string
	// CACertPath is a PEM bundle to verify the gateway's certificate with.
	CACertPath string
	// TLSInsecureSkipVerify skips certificate verification (development only).
	TLSInsecureSkipVerify bool
	// AllowHTTPCredentials lets the bearer token go to an http:// MetricsURL.
	AllowHTTPCredentials bool
}

// gatewayKeys are the scale-from-zero settings.
func gatewayKeys() []keyDef {
	token := keyDef{
		key: KeyGatewayBearerToken, usage: "bearer token for the gateway's metrics (environment only, never printed)",
		sources: fromEnv, secret: true, def: constant(""),
		set: func(c *Config, v string) error {
			c.Static.Gateway.BearerToken = NewSecret(normalizeToken(v))
			return nil
		},
		get: func(c *Config) string { return c.Static.Gateway.BearerToken.String() },
	}
	interval := keyDef{
		key: KeyScaleFromZeroInterval, usage: "how often models at zero are checked for requests waiting at the gateway; 0 turns the fast path off",
		sources: everywhere, def: constant(FormatDuration(DefaultScaleFromZeroInterval)),
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || (d > 0 && d < minScaleFromZeroInterval) {
				return errors.New("expected 0 (off) or a Go duration of at least 50ms, such as 200ms or 1s")
			}
			c.Static.ScaleFromZeroInterval = d
			return nil
		},
		get: func(c *Config) string { return FormatDuration(c.Static.ScaleFromZeroInterval) },
	}
	return []keyDef{
		stringKey(KeyGatewayMetricsURL, "inference gateway metrics endpoint read for the flow-control queue, e.g. http://epp:9090/metrics; empty reads it through Prometheus", "",
			func(c *Config) *string { return &c.Static.Gateway.MetricsURL }, checkURL),
		token,
		stringKey(KeyGatewayBearerTokenFile, "file holding the gateway metrics bearer token, re-read on change", "",
			func(c *Config) *string { return &c.Static.Gateway.BearerTokenFile }, nil),
		stringKey(KeyGatewayCACertPath, "CA bundle to verify the gateway's metrics certificate", "",
			func(c *Config) *string { return &c.Static.Gateway.CACertPath }, nil),
		boolKey(KeyGatewayTLSInsecureSkipVerify, "skip the gateway's certificate verification (development only)", false,
			func(c *Config) *bool { return &c.Static.Gateway.TLSInsecureSkipVerify }),
		boolKey(KeyGatewayAllowHTTPCredentials, "allow the gateway bearer token over an http:// GATEWAY_METRICS_URL (clear text: trusted networks only)", false,
			func(c *Config) *bool { return &c.Static.Gateway.AllowHTTPCredentials }),
		interval,
	}
}

// gatewayErrors checks the gateway settings that go together.
func gatewayErrors(c Config, mainConfigMap map[string]string, exists FileExists) []error {
	var errs []error
	g := c.Static.Gateway
	for key, path := range map[string]string{KeyGatewayCACertPath: g.CACertPath, KeyGatewayBearerTokenFile: g.BearerTokenFile} {
		if path != "" && !exists(path) {
			errs = append(errs, keyError(c, key, "file does not exist: expected the path of a file mounted into the controller"))
		}
	}
	if g.BearerToken.IsSet() && g.BearerTokenFile != "" {
		errs = append(errs, keyError(c, KeyGatewayBearerTokenFile, "is set together with GATEWAY_BEARER_TOKEN: set only one"))
	}
	if (g.BearerToken.IsSet() || g.BearerTokenFile != "" || g.CACertPath != "") && g.MetricsURL == "" {
		errs = append(errs, keyError(c, KeyGatewayMetricsURL, "is required when gateway credentials are set: the URL of the gateway's metrics endpoint"))
	}
	if sends := gatewayTokenSource(g); sends != "" && strings.HasPrefix(strings.ToLower(g.MetricsURL), "http://") && !g.AllowHTTPCredentials {
		errs = append(errs, keyError(c, KeyGatewayMetricsURL, "would send the bearer token ("+sends+
			") in clear text over http://: use https://, or set "+KeyGatewayAllowHTTPCredentials+
			"=true if nobody else can read the traffic (e.g. a sidecar on localhost)"))
	}
	if strings.TrimSpace(mainConfigMap[KeyGatewayBearerToken]) != "" {
		errs = append(errs, &KeyError{Key: KeyGatewayBearerToken, Value: redacted, Source: "ConfigMap " + c.Static.ConfigMapName,
			Problem: "must not be in a ConfigMap (it is not secret): set it in the environment from a Secret, or use GATEWAY_BEARER_TOKEN_FILE"})
	}
	return errs
}

// gatewayTokenSource names the key the gateway bearer token comes from, "" when none.
func gatewayTokenSource(g GatewayConfig) string {
	switch {
	case g.BearerToken.IsSet():
		return KeyGatewayBearerToken
	case g.BearerTokenFile != "":
		return KeyGatewayBearerTokenFile
	}
	return ""
}
