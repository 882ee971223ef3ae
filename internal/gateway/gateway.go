package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure a Gateway.
type Options struct {
	// Client reads Pods.
	Client kubernetes.Interface
	// Namespace limits the replicas to one namespace (as an InferencePool is); all
	// namespaces when empty.
	Namespace string
	// QueueTimeout is how long a request waits for a Ready replica before a 503; 30s
	// when zero.
	QueueTimeout time.Duration
	// MaxQueue bounds the waiting requests per model; more get a 503 at once. 1000
	// when zero.
	MaxQueue int
	// RetryAfter is what a 503 (queue full, or no replica within QueueTimeout) tells the
	// client to wait before trying again, in its Retry-After header; 5s when zero.
	RetryAfter time.Duration
	// Logger receives structured logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Gateway routes OpenAI requests to Ready model-server Pods.
type Gateway struct {
	opts    Options
	pool    *pool
	queue   *queue
	reg     *prometheus.Registry
	mux     *http.ServeMux
	forward *http.Transport
}

// New builds a gateway; Run starts watching Pods.
func New(opts Options) (*Gateway, error) {
	if opts.Client == nil {
		return nil, errors.New("gateway: no Kubernetes client")
	}
	if opts.QueueTimeout == 0 {
		opts.QueueTimeout = 30 * time.Second
	}
	if opts.MaxQueue == 0 {
		opts.MaxQueue = 1000
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	g := &Gateway{
		opts: opts, pool: newPool(), reg: prometheus.NewRegistry(), mux: http.NewServeMux(),
		forward: &http.Transport{MaxIdleConnsPerHost: 256, ResponseHeaderTimeout: 10 * time.Minute},
	}
	g.queue = newQueue(opts.MaxQueue)
	if err := g.reg.Register(g.queue.gauge); err != nil {
		return nil, fmt.Errorf("gateway: register metrics: %w", err)
	}
	g.mux.HandleFunc("POST /v1/completions", g.handleInference)
	g.mux.HandleFunc("POST /v1/chat/completions", g.handleInference)
	g.mux.HandleFunc("GET /v1/models", g.handleModels)
	g.mux.Handle("GET /metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
	return g, nil
}

// Handler is the gateway's HTTP API: the OpenAI endpoints and /metrics.
func (g *Gateway) Handler() http.Handler { return g.mux }

// Run watches Pods until ctx ends.
func (g *Gateway) Run(ctx context.Context) error {
	f := informers.NewSharedInformerFactoryWithOptions(g.opts.Client, 0, informers.WithNamespace(g.opts.Namespace))
	inf := f.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { g.onPod(obj) },
		UpdateFunc: func(_, obj any) { g.onPod(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				g.pool.remove(p.UID)
			}
		},
	}); err != nil {
		return fmt.Errorf("gateway: watch pods: %w", err)
	}
	f.Start(ctx.Done())
	defer f.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("gateway: pod cache did not sync: %w", ctx.Err())
	}
	<-ctx.Done()
	g.forward.CloseIdleConnections()
	return nil
}

// Serve runs the gateway (Run) and serves its API on ln until ctx ends.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: g.mux, ReadHeaderTimeout: 10 * time.Second}
	runErr := make(chan error, 1)
	go func() { runErr <- g.Run(ctx) }()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("gateway: serve: %w", err)
	}
	return <-runErr
}

// Routed returns how many requests went to each current replica, by namespace/pod, so
// a test can see load shared across replicas.
func (g *Gateway) Routed() map[string]int64 {
	return g.pool.counts(func(e *endpoint) *atomic.Int64 { return &e.routed })
}

// Answered returns how many requests each current replica accepted and began to answer
// with a success status, by namespace/pod: proof that a replica did take a share of the
// work, not only that requests were sent its way.
func (g *Gateway) Answered() map[string]int64 {
	return g.pool.counts(func(e *endpoint) *atomic.Int64 { return &e.answered })
}

func (g *Gateway) onPod(obj any) {
	if p, ok := obj.(*corev1.Pod); ok {
		g.pool.update(p)
	}
}
