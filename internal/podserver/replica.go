package podserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/workload-variant-autoscaler/wva/internal/vllmsim"
)

// listenRetry is how often a replica retries an address still held by the server of a
// Pod that had the same IP before.
const listenRetry = 200 * time.Millisecond

// replica is the server of one Pod.
type replica struct {
	pod   string
	addr  string
	srv   *vllmsim.Server
	log   *slog.Logger
	ready atomic.Bool
	stop  chan struct{}
	once  sync.Once
}

func newReplica(p *corev1.Pod, ep endpoint, srv *vllmsim.Server, log *slog.Logger) *replica {
	return &replica{
		pod:  p.Namespace + "/" + p.Name,
		addr: net.JoinHostPort(p.Status.PodIP, strconv.Itoa(int(ep.port))),
		srv:  srv, log: log, stop: make(chan struct{}),
	}
}

// cancel asks the replica to drain and stop.
func (r *replica) cancel() {
	r.once.Do(func() { close(r.stop) })
}

// handler is the vLLM API once the Pod is Ready, and 503 on every path before: a vLLM
// server answers nothing (not even /metrics) while it loads the model, and kwok decides
// when loading is over. So Prometheus sees a loading replica as a down target, not as an
// idle one.
func (r *replica) handler() http.Handler {
	api := r.srv.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !r.ready.Load() {
			http.Error(w, "model loading", http.StatusServiceUnavailable)
			return
		}
		api.ServeHTTP(w, req)
	})
}

// serve listens at the Pod's address (retrying while a previous owner of the IP drains),
// runs the model and serves until the replica is stopped or ctx ends, then drains for
// up to grace.
func (r *replica) serve(ctx context.Context, grace time.Duration) {
	var ln net.Listener
	for {
		var err error
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		r.log.Debug("Address busy, retrying", "addr", r.addr, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-r.stop:
			return
		case <-time.After(listenRetry):
		}
	}
	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEngine()
	go r.srv.Run(engCtx)
	hs := &http.Server{Handler: r.handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		r.log.Error("Model server failed", "addr", r.addr, "err", err)
		return
	case <-ctx.Done():
	case <-r.stop:
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		_ = hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		r.log.Error("Model server failed", "addr", r.addr, "err", err)
	}
	r.log.Info("Stopped serving Pod", "addr", r.addr)
}
