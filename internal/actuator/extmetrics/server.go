package extmetrics

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"k8s.io/client-go/util/cert"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Options configure a Server.
type Options struct {
	// Addr is the HTTPS bind address, e.g. ":6443".
	Addr string
	// CertDir holds the serving certificate (CertName, KeyName), reloaded when it changes;
	// empty means a self-signed certificate (the APIService then needs
	// insecureSkipTLSVerify, or a caBundle from elsewhere).
	CertDir, CertName, KeyName string
	// EnableHTTP2 allows HTTP/2 (off by default: CVE-2023-44487).
	EnableHTTP2 bool
	// Handler answers the requests.
	Handler *Handler
	// Auth is run alongside the server to keep the front proxy's CA current.
	Auth *Auth
}

// Server serves the external metrics API over HTTPS. It runs on every replica, leader or
// not: each reads the same VA status, so the Service may route to any of them.
type Server struct {
	opts Options
}

// NewServer returns a Server; Start it with the manager.
func NewServer(opts Options) *Server { return &Server{opts: opts} }

// NeedLeaderElection is false: followers answer too.
func (s *Server) NeedLeaderElection() bool { return false }

// Start listens on Addr until ctx ends.
func (s *Server) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithName("external-metrics")
	tlsCfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The front proxy presents a client certificate that the authenticator verifies
		// against the CA the ConfigMap names; token callers present none.
		ClientAuth: tls.RequestClientCert,
		NextProtos: []string{"http/1.1"},
	}
	if s.opts.EnableHTTP2 {
		tlsCfg.NextProtos = []string{"h2", "http/1.1"}
	}
	if s.opts.CertDir != "" {
		w, err := certwatcher.New(filepath.Join(s.opts.CertDir, s.opts.CertName), filepath.Join(s.opts.CertDir, s.opts.KeyName))
		if err != nil {
			return fmt.Errorf("external metrics serving certificate: %w", err)
		}
		go func() {
			if err := w.Start(ctx); err != nil {
				logger.Error(err, "Serving certificate watcher stopped")
			}
		}()
		tlsCfg.GetCertificate = w.GetCertificate
	} else {
		c, err := selfSigned()
		if err != nil {
			return err
		}
		tlsCfg.Certificates = []tls.Certificate{c}
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("external metrics API: listen on %s: %w", s.opts.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.opts.Handler,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return log.IntoContext(context.Background(), logger) },
	}
	if !s.opts.EnableHTTP2 {
		srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	go s.opts.Auth.Run(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	logger.Info("Serving the external metrics API", "addr", ln.Addr().String(), "group", Group+"/"+Version, "metric", MetricDesiredReplicas)
	select {
	case err := <-errc:
		return fmt.Errorf("external metrics API: %w", err)
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("external metrics API shutdown: %w", err)
		}
		return nil
	}
}

// selfSigned makes a serving certificate for this process's lifetime.
func selfSigned() (tls.Certificate, error) {
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey("workload-variant-autoscaler", []net.IP{net.ParseIP("127.0.0.1")}, []string{"localhost"})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed serving certificate: %w", err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("self-signed serving certificate: %w", err)
	}
	return c, nil
}
