package collector

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// PrometheusOptions are the connection settings of the Prometheus source. The
// composition root fills them from the static configuration (PROMETHEUS_BASE_URL,
// PROMETHEUS_TLS_INSECURE_SKIP_VERIFY, PROMETHEUS_CA_CERT_PATH, PROMETHEUS_CLIENT_CERT_PATH,
// PROMETHEUS_CLIENT_KEY_PATH, PROMETHEUS_SERVER_NAME, PROMETHEUS_BEARER_TOKEN and its file);
// this package does not read configuration itself.
type PrometheusOptions struct {
	// BaseURL is Prometheus's address, e.g. https://prometheus.monitoring:9090.
	BaseURL string
	// InsecureSkipVerify disables certificate verification: development only.
	InsecureSkipVerify bool
	// CAFile is a PEM bundle of the authorities Prometheus's certificate must chain to;
	// when set, only these are trusted (not the system pool).
	CAFile string
	// CertFile and KeyFile are the client certificate and key for mutual TLS; both or
	// neither.
	CertFile, KeyFile string
	// ServerName is the name Prometheus's certificate must carry, when it differs from
	// the host of BaseURL (e.g. connecting through an IP or a port-forward).
	ServerName string
	// BearerToken is sent as "Authorization: Bearer <token>"; a value that already
	// starts with "Bearer " is not prefixed again.
	BearerToken string
	// BearerTokenFile holds the token instead (e.g. a projected service-account token);
	// it is re-read whenever it changes. It wins over BearerToken.
	BearerTokenFile string
	// Username and Password are sent as HTTP basic authentication when Username is set.
	// User info in BaseURL (https://user:password@host) is moved here by
	// NewPrometheusSource, so that no error ever shows it.
	Username, Password string
	// Timeout bounds each query attempt; 10s when zero.
	Timeout time.Duration
	// Retries is how many times a failed query is retried (network errors, timeouts and
	// 5xx only; never a rejected query or a TLS or authorisation failure).
	Retries int
	// Cache, when set, is read at the start of every cycle: with Enabled, answers of a
	// cycle at most TTL earlier are reused instead of asking Prometheus again.
	Cache func() CacheSettings
	// WrapTransport, when set, wraps the HTTP transport (instrumentation, tests).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// NewRoundTripper builds the HTTP transport for the options: TLS 1.2 or newer, the CA
// bundle, the client certificate, the server name, and the bearer token. The token is
// added by a wrapper that never logs it.
func NewRoundTripper(o PrometheusOptions) (http.RoundTripper, error) {
	asked := &certRequest{}
	tlsConfig, err := newTLSConfig(o, asked)
	if err != nil {
		return nil, err
	}
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	t := base.Clone()
	t.TLSClientConfig = tlsConfig
	t.MaxIdleConnsPerHost = 16
	var rt http.RoundTripper = answerLimit{next: clientCertHint{next: t, asked: asked}, limit: maxAnswerBytes}
	switch {
	case o.BearerToken != "" || o.BearerTokenFile != "":
		rt = &bearerRoundTripper{next: rt, token: newTokenSource(o.BearerToken, o.BearerTokenFile)}
	case o.Username != "" || o.Password != "":
		rt = &basicAuthRoundTripper{next: rt, user: o.Username, password: o.Password}
	}
	if o.WrapTransport != nil {
		rt = o.WrapTransport(rt)
	}
	return rt, nil
}

// newTLSConfig turns the options into a tls.Config. Without a client certificate,
// asked records whether a server asked for one.
func newTLSConfig(o PrometheusOptions, asked *certRequest) (*tls.Config, error) {
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // an explicit, documented development setting
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read Prometheus CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read Prometheus CA bundle %s: no PEM certificate found", o.CAFile)
		}
		c.RootCAs = pool
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("prometheus client certificate and key must be given together")
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load Prometheus client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	} else {
		c.GetClientCertificate = asked.none
	}
	return c, nil
}

// certRequest remembers that a server asked for a client certificate WVA has none of,
// and whether a request has succeeded since: a server that only asks accepts the client
// anyway. A server that requires one refuses the client only after a TLS 1.3 handshake
// has finished, so most requests sharing the connection see it merely close (a broken
// pipe, an HTTP/2 connection closed); the request is what explains them.
type certRequest struct{ asked, accepted atomic.Bool }

// refused reports whether a server asked for a client certificate and has answered no
// request without one.
func (c *certRequest) refused() bool { return c.asked.Load() && !c.accepted.Load() }

// none answers a server's certificate request with no certificate, as Go does by
// default, and remembers that it was asked.
func (c *certRequest) none(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	c.asked.Store(true)
	return &tls.Certificate{}, nil
}

// clientCertRequiredError is a request whose connection was closed after its server
// asked for a client certificate WVA did not have: mutual TLS is not configured.
type clientCertRequiredError struct{ Err error }

// Error says that a client certificate was asked for, then what the request saw.
func (e *clientCertRequiredError) Error() string {
	return "the server asked for a client certificate and WVA has none to present: " + e.Err.Error()
}

// Unwrap returns what the request saw.
func (e *clientCertRequiredError) Unwrap() error { return e.Err }

// clientCertHint marks the closed connections that follow a refused client certificate
// request; a timeout, a cancelled request or any other failure is left as it is.
type clientCertHint struct {
	next  http.RoundTripper
	asked *certRequest
}

// RoundTrip sends the request and marks its failure when it follows a refused client
// certificate request; a success shows the server serves the client without one.
func (h clientCertHint) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.next.RoundTrip(req)
	if err == nil {
		h.asked.accepted.Store(true)
		return resp, nil
	}
	if !h.asked.refused() || req.Context().Err() != nil || !connectionLost(err) {
		return resp, err
	}
	return resp, &clientCertRequiredError{Err: err}
}

// connectionLost reports whether a request failed with its connection rather than with
// an answer: what a refused client certificate looks like (a broken pipe, a reset, an
// HTTP/2 connection closed or never established, a TLS alert). A timeout, a refused
// dial (no handshake took place) and an HTTP/2 stream reset (the server answered this
// request alone) are not.
func connectionLost(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return false
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return false
	}
	// net/http's HTTP/2 stream errors are unexported; their text is stable.
	return !strings.Contains(err.Error(), "stream error:")
}
