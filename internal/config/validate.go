package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
)

// validate checks what no single key can check alone: required keys, paths that must exist,
// settings that go in pairs, and secrets put where they do not belong. Problems are returned
// all together.
func validate(c Config, mainConfigMap map[string]string, exists FileExists) []error {
	var errs []error
	add := func(key, problem string) {
		errs = append(errs, keyError(c, key, problem))
	}
	p := c.Static.Prometheus
	if c.Origin(KeyPrometheusBaseURL) == LayerDefault && c.Static.MetricsSource == MetricsSourcePrometheus {
		errs = append(errs, &KeyError{Key: KeyPrometheusBaseURL, Problem: "is required: set it in the environment or the ConfigMap " +
			c.Static.ConfigMapName + ", e.g. https://prometheus:9090"})
	}
	errs = append(errs, certDirErrors(c, KeyWebhookCertPath, c.Static.WebhookCert, exists)...)
	errs = append(errs, certDirErrors(c, KeyMetricsCertPath, c.Static.MetricsCert, exists)...)
	errs = append(errs, certDirErrors(c, KeyExternalMetricsCertPath, c.Static.ExternalMetricsCert, exists)...)
	for key, path := range map[string]string{
		KeyPrometheusCACertPath:      p.CACertPath,
		KeyPrometheusClientCertPath:  p.ClientCertPath,
		KeyPrometheusClientKeyPath:   p.ClientKeyPath,
		KeyPrometheusBearerTokenFile: p.BearerTokenFile,
	} {
		if path != "" && !exists(path) {
			add(key, "file does not exist: expected the path of a file mounted into the controller")
		}
	}
	if (p.ClientCertPath == "") != (p.ClientKeyPath == "") {
		if p.ClientCertPath == "" {
			add(KeyPrometheusClientKeyPath, "is set without PROMETHEUS_CLIENT_CERT_PATH: mutual TLS needs both")
		} else {
			add(KeyPrometheusClientCertPath, "is set without PROMETHEUS_CLIENT_KEY_PATH: mutual TLS needs both")
		}
	}
	if p.BearerToken.IsSet() && p.BearerTokenFile != "" {
		add(KeyPrometheusBearerTokenFile, "is set together with PROMETHEUS_BEARER_TOKEN: set only one")
	}
	errs = append(errs, credentialErrors(c)...)
	if strings.TrimSpace(mainConfigMap[KeyPrometheusBearerToken]) != "" {
		errs = append(errs, &KeyError{Key: KeyPrometheusBearerToken, Value: redacted, Source: "ConfigMap " + c.Static.ConfigMapName,
			Problem: "must not be in a ConfigMap (it is not secret): set it in the environment from a Secret, or use PROMETHEUS_BEARER_TOKEN_FILE"})
	}
	errs = append(errs, gatewayErrors(c, mainConfigMap, exists)...)
	return errs
}

// keyError builds a *KeyError for a resolved key, naming its value and origin.
func keyError(c Config, key, problem string) *KeyError {
	k, _ := keyByName(key)
	return &KeyError{Key: key, Value: k.display(k.get(&c)), Source: describe(k, c.Origin(key), &c), Problem: problem}
}

// certDirErrors checks that a certificate directory holds its certificate and key.
func certDirErrors(c Config, key string, cert CertConfig, exists FileExists) []error {
	if cert.Path == "" {
		return nil
	}
	if !exists(cert.Path) {
		return []error{keyError(c, key, "directory does not exist: expected a mounted directory holding "+
			cert.Name+" and "+cert.Key)}
	}
	var errs []error
	for _, f := range []string{cert.Name, cert.Key} {
		if full := filepath.Join(cert.Path, f); !exists(full) {
			errs = append(errs, keyError(c, key, full+" does not exist: expected the directory to hold "+
				cert.Name+" and "+cert.Key))
		}
	}
	return errs
}

// sortErrors orders key errors by the documentation order of their keys, so the output of
// a failed start-up is stable.
func sortErrors(errs []error) []error {
	order := map[string]int{}
	for i, k := range KnownKeys() {
		order[k] = i
	}
	rank := func(e error) int {
		var ke *KeyError
		if errors.As(e, &ke) {
			return order[ke.Key]
		}
		return len(order)
	}
	slices.SortStableFunc(errs, func(a, b error) int { return rank(a) - rank(b) })
	return errs
}

// credentialErrors refuses credentials that would be sent in clear text (over http://)
// unless explicitly allowed, and two credentials at once (both would claim the
// Authorization header).
func credentialErrors(c Config) []error {
	p := c.Static.Prometheus
	if c.Static.MetricsSource != MetricsSourcePrometheus || p.BaseURL == "" {
		return nil
	}
	var errs []error
	var sends []string
	switch {
	case p.BearerToken.IsSet():
		sends = append(sends, "the bearer token (PROMETHEUS_BEARER_TOKEN)")
	case p.BearerTokenFile != "":
		sends = append(sends, "the bearer token (PROMETHEUS_BEARER_TOKEN_FILE)")
	}
	if p.HasURLCredentials() {
		if len(sends) > 0 {
			errs = append(errs, keyError(c, KeyPrometheusBaseURL,
				"carries user info (basic authentication) and a bearer token is set too: use only one"))
		}
		sends = append(sends, "the user info of the URL")
	}
	if len(sends) > 0 && strings.HasPrefix(strings.ToLower(p.BaseURL), "http://") && !p.AllowHTTPCredentials {
		errs = append(errs, keyError(c, KeyPrometheusBaseURL, "would send "+strings.Join(sends, " and ")+
			" in clear text over http://: use https://, or set "+KeyPrometheusAllowHTTPCredentials+
			"=true if nobody else can read the traffic (e.g. a proxy on localhost)"))
	}
	return errs
}
