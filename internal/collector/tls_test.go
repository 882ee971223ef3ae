package collector

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// testPKI is a CA with a server certificate for localhost/127.0.0.1 and a client
// certificate, written as PEM files.
type testPKI struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
	pool                                                 *x509.CertPool
	client                                               tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	write := func(name string, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p.caFile = write("ca.crt", "CERTIFICATE", caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage, certName, keyName string) (string, string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: certName},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			DNSNames: []string{"localhost", "prometheus.monitoring.svc"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		return write(certName+".crt", "CERTIFICATE", der), write(certName+".key", "EC PRIVATE KEY", keyDER)
	}
	p.serverCert, p.serverKey = issue(2, x509.ExtKeyUsageServerAuth, "server", "")
	p.clientCert, p.clientKey = issue(3, x509.ExtKeyUsageClientAuth, "client", "")
	if p.client, err = tls.LoadX509KeyPair(p.clientCert, p.clientKey); err != nil {
		t.Fatal(err)
	}
	return p
}

// webConfig is Prometheus's --web.config.file for TLS, optionally requiring client
// certificates from the same CA.
func (p *testPKI) webConfig(mutual bool) string {
	cfg := fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\n  min_version: TLS12\n", p.serverCert, p.serverKey)
	if mutual {
		cfg += fmt.Sprintf("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: %s\n", p.caFile)
	}
	return cfg
}

// tlsFleet is one fake server scraped by Prometheus, and the request for its model.
func tlsFleet(t *testing.T) (*fakeServer, []Model, localenv.ScrapeTarget) {
	srv := startFakeServer(t, "m", values(3))
	models := []Model{{Namespace: "ns", ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{pod("p-0", srv)}}}}}
	return srv, models, fakeTarget("ns", "p-0", srv)
}

// collectOnce builds a source with the options and runs one cycle.
func collectOnce(t *testing.T, opts PrometheusOptions, models []Model) ([]ModelSignals, error) {
	t.Helper()
	src, err := NewPrometheusSource(opts, Windows{StaleAfter: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	return src.Collect(context.Background(), models, time.Now())
}

// waitForReplica polls until the single replica of models reports through opts.
func waitForReplica(t *testing.T, opts PrometheusOptions, models []Model) {
	t.Helper()
	eventually(t, time.Minute, func() error {
		got, err := collectOnce(t, opts, models)
		if err != nil {
			return err
		}
		if got[0].Health.Reported != 1 {
			return fmt.Errorf("health %+v", got[0].Health)
		}
		return nil
	})
}

func TestPrometheusSourceOverTLS(t *testing.T) {
	pki := newTestPKI(t)
	_, models, target := tlsFleet(t)
	prom := startPrometheus(t, localenv.PrometheusOptions{
		Targets: []localenv.ScrapeTarget{target}, WebConfigYAML: pki.webConfig(false),
		ClientTLS: &tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12},
	})
	if !strings.HasPrefix(prom.URL, "https://") {
		t.Fatalf("URL %s is not https", prom.URL)
	}
	t.Run("with the CA", func(t *testing.T) {
		waitForReplica(t, PrometheusOptions{BaseURL: prom.URL, CAFile: pki.caFile}, models)
	})
	t.Run("without the CA the certificate is not trusted", func(t *testing.T) {
		got, err := collectOnce(t, PrometheusOptions{BaseURL: prom.URL}, models)
		if err == nil || !strings.Contains(err.Error(), "not trusted") {
			t.Fatalf("error %v, want an untrusted-certificate error", err)
		}
		if got[0].Health.Reason != ReasonPrometheusError {
			t.Fatalf("health %+v", got[0].Health)
		}
	})
	t.Run("a wrong server name fails clearly", func(t *testing.T) {
		_, err := collectOnce(t, PrometheusOptions{BaseURL: prom.URL, CAFile: pki.caFile, ServerName: "wrong.example"}, models)
		if err == nil || !strings.Contains(err.Error(), "does not match the expected server name") || !strings.Contains(err.Error(), "wrong.example") {
			t.Fatalf("error %v, want a server-name mismatch naming wrong.example", err)
		}
	})
	t.Run("the right server name for another host", func(t *testing.T) {
		u := strings.Replace(prom.URL, "127.0.0.1", "localhost", 1)
		waitForReplica(t, PrometheusOptions{BaseURL: u, CAFile: pki.caFile, ServerName: "prometheus.monitoring.svc"}, models)
	})
}

func TestPrometheusSourceMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	_, models, target := tlsFleet(t)
	prom := startPrometheus(t, localenv.PrometheusOptions{
		Targets: []localenv.ScrapeTarget{target}, WebConfigYAML: pki.webConfig(true),
		ClientTLS: &tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}, MinVersion: tls.VersionTLS12},
	})
	t.Run("with a client certificate", func(t *testing.T) {
		waitForReplica(t, PrometheusOptions{BaseURL: prom.URL, CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey}, models)
	})
	t.Run("without one the handshake is refused", func(t *testing.T) {
		got, err := collectOnce(t, PrometheusOptions{BaseURL: prom.URL, CAFile: pki.caFile}, models)
		if err == nil || got[0].Health.Reason != ReasonPrometheusError || !strings.Contains(err.Error(), "PROMETHEUS_CLIENT_CERT_PATH") {
			t.Fatalf("error %v health %+v, want PrometheusError naming the client certificate setting", err, got[0].Health)
		}
	})
	// Prometheus refuses a client without a certificate after the TLS 1.3 handshake has
	// finished, so of the queries sharing the HTTP/2 connection most see only the
	// connection close. Every one of them must still say which setting to fix, not only
	// the one that happened to read the alert: many rounds, each with a fresh connection.
	t.Run("every query of the refused connection names the setting", func(t *testing.T) {
		const rounds, queries = 20, 9
		for round := range rounds {
			src, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL, CAFile: pki.caFile, Timeout: 5 * time.Second}, Windows{})
			if err != nil {
				t.Fatal(err)
			}
			errs := make([]error, queries)
			var wg sync.WaitGroup
			for i := range queries {
				wg.Go(func() { _, errs[i] = src.queryOnce(context.Background(), "up", time.Now()) })
			}
			wg.Wait()
			for i, err := range errs {
				if err == nil || !diagnostic(err) || retryable(err) || !strings.Contains(err.Error(), "PROMETHEUS_CLIENT_CERT_PATH") {
					t.Fatalf("round %d query %d: error %v, want a final error naming PROMETHEUS_CLIENT_CERT_PATH", round, i, err)
				}
			}
		}
	})
	t.Run("a certificate without its key is a configuration error", func(t *testing.T) {
		if _, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL, CertFile: pki.clientCert}, Windows{}); err == nil {
			t.Fatal("no error")
		}
	})
}

// tokenProxy is a reverse proxy in front of Prometheus that lets through only requests
// carrying "Authorization: Bearer <token>", as kube-rbac-proxy or an OpenShift route does.
type tokenProxy struct {
	token   atomic.Value
	refused atomic.Int64
	headers chan string
}

func startTokenProxy(t *testing.T, upstream, token string) (*tokenProxy, string) {
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &tokenProxy{headers: make(chan string, 1000)}
	p.token.Store(token)
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		select {
		case p.headers <- got:
		default:
		}
		if got != "Bearer "+p.token.Load().(string) {
			p.refused.Add(1)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func TestPrometheusSourceBearerToken(t *testing.T) {
	_, models, target := tlsFleet(t)
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: []localenv.ScrapeTarget{target}})
	proxy, proxyURL := startTokenProxy(t, prom.URL, "s3cret-1")

	t.Run("token value", func(t *testing.T) {
		waitForReplica(t, PrometheusOptions{BaseURL: proxyURL, BearerToken: "s3cret-1"}, models)
	})
	t.Run("a value with its scheme is not prefixed twice", func(t *testing.T) {
		waitForReplica(t, PrometheusOptions{BaseURL: proxyURL, BearerToken: "Bearer s3cret-1"}, models)
	})
	t.Run("a wrong token is a PrometheusError that does not show the token", func(t *testing.T) {
		got, err := collectOnce(t, PrometheusOptions{BaseURL: proxyURL, BearerToken: "wrong-token"}, models)
		if err == nil || got[0].Health.Reason != ReasonPrometheusError {
			t.Fatalf("error %v health %+v", err, got[0].Health)
		}
		if strings.Contains(err.Error(), "wrong-token") || strings.Contains(got[0].Health.Message, "wrong-token") {
			t.Fatalf("the token leaked into the error: %v", err)
		}
		if !strings.Contains(err.Error(), "401") {
			t.Fatalf("error does not say the request was refused: %v", err)
		}
	})
	t.Run("a token file is re-read when it changes", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte("s3cret-1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		opts := PrometheusOptions{BaseURL: proxyURL, BearerTokenFile: file}
		src, err := NewPrometheusSource(opts, Windows{StaleAfter: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, func() error {
			_, err := src.Collect(context.Background(), models, time.Now())
			return err
		})
		proxy.token.Store("s3cret-2")
		if _, err := src.Collect(context.Background(), models, time.Now()); err == nil {
			t.Fatal("the old token was accepted after the proxy's token changed")
		}
		if err := os.WriteFile(file, []byte("s3cret-2-rotated"), 0o600); err != nil {
			t.Fatal(err)
		}
		proxy.token.Store("s3cret-2-rotated")
		if _, err := src.Collect(context.Background(), models, time.Now()); err != nil {
			t.Fatalf("the rotated token file was not re-read: %v", err)
		}
	})
	for len(proxy.headers) > 0 {
		if h := <-proxy.headers; strings.Count(strings.ToLower(h), "bearer") > 1 {
			t.Fatalf("Authorization header %q has the scheme twice", h)
		}
	}
}

// User info in the base URL authenticates (as HTTP basic authentication, which a proxy in
// front of Prometheus checks), and no error ever shows it: not a refused password, not a
// connection failure.
func TestPrometheusSourceURLCredentialsNeverShow(t *testing.T) {
	_, models, target := tlsFleet(t)
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: []localenv.ScrapeTarget{target}})
	u, err := url.Parse(prom.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "wva-reader" || pass != "s3cr3t-pw" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	withUser := func(base, user string) string {
		return strings.Replace(base, "://", "://"+user+"@", 1)
	}
	waitForReplica(t, PrometheusOptions{BaseURL: withUser(proxy.URL, "wva-reader:s3cr3t-pw")}, models)

	closed := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	for name, base := range map[string]string{
		"a refused password":   withUser(proxy.URL, "wva-reader:wr0ng-pw"),
		"a connection refused": withUser(closed, "wva-reader:s3cr3t-pw"),
	} {
		got, err := collectOnce(t, PrometheusOptions{BaseURL: base}, models)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		for _, text := range []string{err.Error(), got[0].Health.Message} {
			for _, secret := range []string{"wva-reader", "s3cr3t-pw", "wr0ng-pw"} {
				if strings.Contains(text, secret) {
					t.Errorf("%s: %q shows %q", name, text, secret)
				}
			}
		}
	}
}

// freePort is a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// A Prometheus that offers only TLS 1.1 is refused in a real handshake, with an error
// that says why; the same server offering TLS 1.2 is read. The server answers every
// query with an empty vector, as a Prometheus without the models' series would.
func TestPrometheusOfferingOnlyTLS11IsRefused(t *testing.T) {
	pki := newTestPKI(t)
	cert, err := tls.LoadX509KeyPair(pki.serverCert, pki.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(maxVersion uint16) string {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
		}))
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: maxVersion} //nolint:gosec // the old server under test
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)                                                                   // refused handshakes are the point
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv.URL
	}
	_, models, _ := tlsFleet(t)

	got, err := collectOnce(t, PrometheusOptions{BaseURL: serve(tls.VersionTLS11), CAFile: pki.caFile}, models)
	if err == nil {
		t.Fatal("a TLS 1.1 Prometheus was read")
	}
	if !strings.Contains(err.Error(), "protocol version") || !strings.Contains(err.Error(), "TLS 1.2") {
		t.Errorf("error %q does not say that Prometheus offers no TLS version WVA accepts (1.2 or later)", err)
	}
	if got[0].Health.Usable || got[0].Health.Reason != ReasonPrometheusError {
		t.Errorf("health %+v, want PrometheusError", got[0].Health)
	}

	if _, err := collectOnce(t, PrometheusOptions{BaseURL: serve(tls.VersionTLS12), CAFile: pki.caFile}, models); err != nil {
		t.Errorf("the same server offering TLS 1.2: %v", err)
	}
}
