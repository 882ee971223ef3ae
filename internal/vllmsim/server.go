package vllmsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Server is one simulated vLLM server: its model, its metrics registry and its HTTP API.
type Server struct {
	cfg     Config
	eng     *engine
	readyAt time.Time
	created int64
	reg     *prometheus.Registry
	mux     *http.ServeMux
}

// New builds a server; the model's clock starts now, and it is ready after
// cfg.StartupDelay. Call Run (or Serve) to make the model progress.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new vllm-sim server: %w", err)
	}
	eng, err := newEngine(cfg)
	if err != nil {
		return nil, fmt.Errorf("new vllm-sim server: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		eng:     eng,
		readyAt: eng.start.Add(cfg.StartupDelay),
		created: eng.start.Unix(),
		reg:     prometheus.NewRegistry(),
		mux:     http.NewServeMux(),
	}
	if err := s.reg.Register(newCollector(cfg.Model, cfg.Params, eng.stats, latencyScale(cfg))); err != nil {
		return nil, fmt.Errorf("new vllm-sim server: register metrics: %w", err)
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /health", s.handleHealth)
	s.mux.HandleFunc("GET /v1/models", s.handleModels)
	s.mux.HandleFunc("POST /v1/completions", s.handleCompletions(false))
	s.mux.HandleFunc("POST /v1/chat/completions", s.handleCompletions(true))
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
}

// Handler is the server's HTTP API, for tests (httptest) and for embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Ready reports whether the start-up delay has passed.
func (s *Server) Ready() bool { return !s.cfg.Clock.Now().Before(s.readyAt) }

// Stats is the model's state now, in model time.
func (s *Server) Stats() servermodel.Stats { return s.eng.stats() }

// Run advances the model in real time until ctx ends. Handler alone serves requests,
// but their tokens only flow while Run is running.
func (s *Server) Run(ctx context.Context) { s.eng.run(ctx) }

// ListenAndServe listens on addr and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve runs the model and serves HTTP on ln until ctx ends, then shuts down gracefully:
// it stops accepting connections and lets in-flight requests finish (the model keeps
// running for them) for up to Config.ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.cfg.Logger.With("model", s.cfg.Model, "addr", ln.Addr().String())
	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	go s.Run(engCtx)

	hs := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("vllm-sim serving", "numGpuBlocks", s.cfg.Params.NumGPUBlocks, "timeScale", s.cfg.TimeScale, "startupDelay", s.cfg.StartupDelay)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("vllm-sim shutting down")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		_ = hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("vllm-sim stopped")
	return nil
}
