package podserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
	"github.com/workload-variant-autoscaler/wva/internal/vllmsim"
)

// Options configure a Runner.
type Options struct {
	// Client reads Pods and Nodes.
	Client kubernetes.Interface
	// Namespace limits the watched Pods; all namespaces when empty.
	Namespace string
	// LabelSelector limits the watched Pods (e.g. "llm-d.ai/model"); all when empty.
	LabelSelector string
	// Profiles maps GPU products to performance profiles; DefaultProfiles when nil.
	Profiles []ProfileRule
	// TimeScale is passed to every server (model seconds per wall second); 1 when zero.
	TimeScale float64
	// WallClockLatencies is passed to every server: latencies in wall-clock seconds.
	WallClockLatencies bool
	// ShutdownTimeout bounds the drain of a server whose Pod went; 5s when zero, since
	// kwok removes Pods at once and their IP may be handed to a new Pod.
	ShutdownTimeout time.Duration
	// Logger receives structured logs; slog.Default() when nil.
	Logger *slog.Logger
}

// Runner serves one simulated vLLM replica per running model-server Pod.
type Runner struct {
	opts     Options
	profiles map[string]servermodel.Params

	mu       sync.Mutex
	replicas map[types.UID]*replica
	wg       sync.WaitGroup
	ctx      context.Context
}

// New validates the options and loads the profiles they name.
func New(opts Options) (*Runner, error) {
	if opts.Client == nil {
		return nil, errors.New("podserver: no Kubernetes client")
	}
	if opts.Profiles == nil {
		opts.Profiles = DefaultProfiles()
	}
	if opts.TimeScale == 0 {
		opts.TimeScale = 1
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Runner{opts: opts, profiles: map[string]servermodel.Params{}, replicas: map[types.UID]*replica{}}
	for _, rule := range opts.Profiles {
		p, err := servermodel.LoadProfile(rule.Profile)
		if err != nil {
			return nil, fmt.Errorf("podserver: %w", err)
		}
		params, err := p.Params()
		if err != nil {
			return nil, fmt.Errorf("podserver: profile %s: %w", rule.Profile, err)
		}
		r.profiles[rule.Profile] = params
	}
	return r, nil
}

// Run watches Nodes and Pods and keeps one server per running model-server Pod until
// ctx ends; then it stops every server and returns once they have drained.
func (r *Runner) Run(ctx context.Context) error {
	r.ctx = ctx
	nodes := informers.NewSharedInformerFactory(r.opts.Client, 0)
	nodeInformer := nodes.Core().V1().Nodes()
	nodeLister := nodeInformer.Lister()
	nodeInformer.Informer() // register before Start
	nodes.Start(ctx.Done())
	pods := informers.NewSharedInformerFactoryWithOptions(r.opts.Client, 0,
		informers.WithNamespace(r.opts.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = r.opts.LabelSelector }))
	defer func() {
		nodes.Shutdown()
		pods.Shutdown()
		r.stopAll()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), nodeInformer.Informer().HasSynced) {
		return fmt.Errorf("podserver: node cache did not sync: %w", ctx.Err())
	}
	onPod := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok {
			r.sync(p, nodeLister.Get)
		}
	}
	if _, err := pods.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    onPod,
		UpdateFunc: func(_, obj any) { onPod(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				r.stop(p.UID)
			}
		},
	}); err != nil {
		return fmt.Errorf("podserver: watch pods: %w", err)
	}
	pods.Start(ctx.Done())
	<-ctx.Done()
	return nil
}

// Serving returns the address of every server by Pod namespace/name.
func (r *Runner) Serving() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.replicas))
	for _, rep := range r.replicas {
		out[rep.pod] = rep.addr
	}
	return out
}

// sync starts, updates or stops the server of one Pod to match what the Pod says.
func (r *Runner) sync(p *corev1.Pod, node func(string) (*corev1.Node, error)) {
	ep, isServer := modelServerOf(p)
	if !isServer {
		return
	}
	if !running(p) {
		r.stop(p.UID)
		return
	}
	r.mu.Lock()
	rep, ok := r.replicas[p.UID]
	r.mu.Unlock()
	if ok {
		rep.ready.Store(podReady(p))
		return
	}
	log := r.opts.Logger.With("pod", p.Namespace+"/"+p.Name, "model", ep.model)
	n, err := node(p.Spec.NodeName)
	if err != nil {
		log.Error("Cannot serve Pod: its node is unknown", "node", p.Spec.NodeName, "err", err)
		return
	}
	profile, err := profileFor(r.opts.Profiles, n.Labels[GPUProductLabel])
	if err != nil {
		log.Error("Cannot serve Pod", "node", n.Name, "err", err)
		return
	}
	srv, err := vllmsim.New(vllmsim.Config{
		Model: ep.model, Params: r.profiles[profile], TimeScale: r.opts.TimeScale,
		WallClockLatencies: r.opts.WallClockLatencies, ShutdownTimeout: r.opts.ShutdownTimeout, Logger: log,
	})
	if err != nil {
		log.Error("Cannot serve Pod", "err", err)
		return
	}
	rep = newReplica(p, ep, srv, log)
	rep.ready.Store(podReady(p))
	r.mu.Lock()
	r.replicas[p.UID] = rep
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		rep.serve(r.ctx, r.opts.ShutdownTimeout)
	}()
	log.Info("Serving Pod", "addr", rep.addr, "profile", profile)
}

// stop ends the server of a Pod, if any, without waiting for it to drain.
func (r *Runner) stop(uid types.UID) {
	r.mu.Lock()
	rep, ok := r.replicas[uid]
	delete(r.replicas, uid)
	r.mu.Unlock()
	if ok {
		rep.cancel()
	}
}

// stopAll ends every server and waits until they have drained.
func (r *Runner) stopAll() {
	r.mu.Lock()
	for uid, rep := range r.replicas {
		rep.cancel()
		delete(r.replicas, uid)
	}
	r.mu.Unlock()
	r.wg.Wait()
}
