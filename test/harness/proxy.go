package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Request is one request that went through a CountingProxy.
type Request struct {
	// Start is when the request arrived.
	Start time.Time
	// Method and Path are the request's; Query its raw query string.
	Method, Path, Query string
	// Status is the response status code.
	Status int
	// Bytes is the size of the response body (of a watch: every event sent so far).
	Bytes int64
	// Duration is how long the answer took, to the end of its body.
	Duration time.Duration
}

// CountingProxy is a reverse proxy in front of one server (a kube-apiserver, a Prometheus)
// that records every request it forwards, so a test sees exactly what a client asked of
// the server and how many bytes it read. The client's own credentials (a bearer token)
// pass through untouched; the proxy adds none.
type CountingProxy struct {
	// URL is where clients reach the proxy.
	URL string
	// CAPEM is the certificate clients verify the proxy with when it serves TLS.
	CAPEM []byte

	srv    *http.Server
	mu     sync.Mutex
	log    []*Request
	chunks []chunk
}

// chunk is a part of a response body sent at one time.
type chunk struct {
	at time.Time
	n  int
}

// StartCountingProxy serves on a free loopback port, forwarding to target. caPEM, when
// set, is the CA that verifies the target's certificate. With serveTLS the proxy serves
// HTTPS with a certificate of its own (CAPEM), as Kubernetes clients send their
// credentials over TLS only.
func StartCountingProxy(target string, caPEM []byte, serveTLS bool) (*CountingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", target, err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("no certificate in the CA of %s", target)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = tr
	rp.FlushInterval = -1 // watches stream
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	p := &CountingProxy{URL: "http://" + ln.Addr().String()}
	if serveTLS {
		cert, certPEM, err := selfSignedLoopback()
		if err != nil {
			return nil, err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		p.URL, p.CAPEM = "https://"+ln.Addr().String(), certPEM
	}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &Request{Start: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
		p.mu.Lock()
		p.log = append(p.log, rec)
		p.mu.Unlock()
		cw := &countingWriter{ResponseWriter: w, rec: rec, p: p}
		rp.ServeHTTP(cw, r)
		p.mu.Lock()
		rec.Duration = time.Since(rec.Start)
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
		p.mu.Unlock()
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// selfSignedLoopback is a certificate for 127.0.0.1, valid for a day.
func selfSignedLoopback() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "counting-proxy"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// Requests returns a copy of every request recorded so far, in arrival order.
func (p *CountingProxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.log))
	for i, r := range p.log {
		out[i] = *r
	}
	return out
}

// BytesBetween is the number of response body bytes the proxy sent in [from, to), watch
// events included.
func (p *CountingProxy) BytesBetween(from, to time.Time) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, c := range p.chunks {
		if !c.at.Before(from) && c.at.Before(to) {
			n += int64(c.n)
		}
	}
	return n
}

// Close stops the proxy, ending the streams it carries.
func (p *CountingProxy) Close() { _ = p.srv.Close() }

// countingWriter counts the bytes of a response body as they are sent.
type countingWriter struct {
	http.ResponseWriter
	rec *Request
	p   *CountingProxy
}

func (w *countingWriter) WriteHeader(code int) {
	w.p.mu.Lock()
	w.rec.Status = code
	w.p.mu.Unlock()
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.p.mu.Lock()
	w.rec.Bytes += int64(n)
	w.p.chunks = append(w.p.chunks, chunk{at: time.Now(), n: n})
	w.p.mu.Unlock()
	return n, err
}

// Flush passes flushes through, so watch events reach the client as they come.
func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// APIVerb names a Kubernetes API request as the API server's audit log would: the verb
// (get, list, watch, create, update, patch, delete, deletecollection) and the resource,
// with its subresource after a slash ("variantautoscalings/status"). Discovery and other
// non-resource requests are ("discovery", path).
func APIVerb(r Request) (verb, resource string) {
	parts := strings.Split(strings.Trim(r.Path, "/"), "/")
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		rest = parts[3:]
	default:
		return "discovery", r.Path
	}
	if len(rest) == 0 {
		return "discovery", r.Path
	}
	if rest[0] == "namespaces" && len(rest) >= 3 {
		rest = rest[2:] // a namespaced resource
	}
	resource = rest[0]
	named := len(rest) >= 2
	if len(rest) >= 3 {
		resource += "/" + rest[2]
	}
	switch r.Method {
	case http.MethodGet:
		q, _ := url.ParseQuery(r.Query)
		switch {
		case q.Get("watch") == "true" || q.Get("watch") == "1":
			verb = "watch"
		case named:
			verb = "get"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
		if !named {
			verb = "deletecollection"
		}
	default:
		verb = strings.ToLower(r.Method)
	}
	return verb, resource
}
