package collector

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A server that asks for a client certificate but serves a client without one has not
// refused it: when it later drops the connection, the failure is its own.
func TestAnOptionalClientCertificateRequestDoesNotExplainLaterFailures(t *testing.T) {
	pki := newTestPKI(t)
	var served atomic.Int64
	var srv *httptest.Server
	srv = tlsServer(t, pki, tls.VerifyClientCertIfGiven, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > 1 { // the second query loses its connection
			srv.CloseClientConnections()
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: srv.URL, CAFile: pki.caFile, Timeout: 5 * time.Second}, Windows{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.queryOnce(context.Background(), "up", time.Now()); err != nil {
		t.Fatalf("a server that only asks for a client certificate refused the query: %v", err)
	}
	_, err = src.queryOnce(context.Background(), "up", time.Now())
	if err == nil || !connectionLost(err) || clientCertRequired(err) || strings.Contains(err.Error(), "PROMETHEUS_CLIENT_CERT_PATH") {
		t.Fatalf("error %v, want a lost connection that does not blame the client certificate", err)
	}
}

// A server that asks for a client certificate and fails a request in another way (here
// it aborts the answer) before serving any is not taken to refuse the client: only a
// closed connection is.
func TestAnAbortedAnswerIsNotBlamedOnTheClientCertificate(t *testing.T) {
	pki := newTestPKI(t)
	srv := tlsServer(t, pki, tls.VerifyClientCertIfGiven, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: srv.URL, CAFile: pki.caFile, Timeout: 5 * time.Second}, Windows{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.queryOnce(context.Background(), "up", time.Now())
	if err == nil || clientCertRequired(err) || strings.Contains(err.Error(), "PROMETHEUS_CLIENT_CERT_PATH") {
		t.Fatalf("error %v, want the aborted answer, not the client certificate", err)
	}
}

// tlsServer is an HTTP/2 TLS server with the test PKI's server certificate and the given
// client-certificate policy.
func tlsServer(t *testing.T, pki *testPKI, auth tls.ClientAuthType, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	cert, err := tls.LoadX509KeyPair(pki.serverCert, pki.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: auth, ClientCAs: pki.pool, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
