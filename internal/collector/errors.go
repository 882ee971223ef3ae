package collector

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// explain wraps a query error with what an operator should check, for the failures
// that are otherwise cryptic: a certificate for another name, an unknown authority, a
// missing client certificate, a refused token.
func explain(err error, o PrometheusOptions) error {
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	var apiErr *promv1.Error
	switch {
	case errors.As(err, &hostErr):
		return fmt.Errorf("prometheus TLS certificate does not match the expected server name (PROMETHEUS_SERVER_NAME=%q, base URL %s): %w", o.ServerName, o.BaseURL, err)
	case errors.As(err, &authErr), errors.As(err, &certErr):
		return fmt.Errorf("prometheus TLS certificate is not trusted (check PROMETHEUS_CA_CERT_PATH): %w", err)
	case isProtocolVersionAlert(err):
		return fmt.Errorf("prometheus offers no TLS version WVA accepts (TLS 1.2 or later is required; enable it in Prometheus's TLS settings): %w", err)
	case isTLSAlert(err), clientCertRequired(err):
		return fmt.Errorf("prometheus refused the TLS handshake (mutual TLS: check PROMETHEUS_CLIENT_CERT_PATH and PROMETHEUS_CLIENT_KEY_PATH): %w", err)
	case errors.As(err, &apiErr) && apiErr.Type == promv1.ErrClient:
		return fmt.Errorf("prometheus rejected the request (authorisation: check the bearer token): %w", err)
	}
	return fmt.Errorf("prometheus query: %w", err)
}

// diagnostic reports whether an error says what to fix (certificate, name, client
// certificate, authorisation), rather than only that a connection failed.
func diagnostic(err error) bool {
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	var apiErr *promv1.Error
	return errors.As(err, &hostErr) || errors.As(err, &authErr) || errors.As(err, &certErr) || isTLSAlert(err) ||
		clientCertRequired(err) || (errors.As(err, &apiErr) && apiErr.Type == promv1.ErrClient)
}

// isProtocolVersionAlert reports whether the handshake failed because the two sides share
// no TLS version: a server offering only TLS 1.1 or older, since WVA requires 1.2.
func isProtocolVersionAlert(err error) bool {
	return strings.Contains(err.Error(), "tls: protocol version not supported")
}

// isTLSAlert reports whether the server ended the handshake with an alert, which is how
// a server that requires a client certificate refuses a client without one.
// Over TCP the alert's type is unexported, so its "remote error: tls:" text is matched.
func isTLSAlert(err error) bool {
	var alert tls.AlertError
	var rec tls.RecordHeaderError
	return errors.As(err, &alert) || errors.As(err, &rec) || strings.Contains(err.Error(), "remote error: tls:")
}

// clientCertRequired reports whether the request failed on a connection whose server
// asked for a client certificate WVA has none of.
func clientCertRequired(err error) bool {
	var certErr *clientCertRequiredError
	return errors.As(err, &certErr)
}

// retryable reports whether another attempt might succeed: network failures, timeouts
// and server errors, but not TLS or authorisation failures or rejected queries.
func retryable(err error) bool {
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	if errors.Is(err, context.Canceled) || errors.As(err, &hostErr) || errors.As(err, &authErr) ||
		errors.As(err, &certErr) || isTLSAlert(err) || clientCertRequired(err) {
		return false
	}
	var apiErr *promv1.Error
	if errors.As(err, &apiErr) {
		return apiErr.Type == promv1.ErrServer || apiErr.Type == promv1.ErrTimeout
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
}
