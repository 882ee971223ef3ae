package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// The scale-from-zero fast path. A model whose every variant was decided to zero is
// watched between decision cycles: every WakeInterval the cached targets are checked, and
// while they are all at zero, the gateway's queue is read for those models only (one query
// or one scrape for all of them). When requests wait, that model alone is decided at once
// through the same core and actuators as the cycle. Nothing is read while no model sits at
// zero, and nothing but the cache and the queue while models sleep.

// zeroWatch is one model the fast path watches.
type zeroWatch struct {
	key     ModelKey
	targets []types.NamespacedName
	pools   []string
}

// zeroSet is the models at zero (or decided to zero), kept by the decision cycle.
type zeroSet struct {
	mu sync.Mutex
	m  map[ModelKey]zeroWatch
	// woken records when the fast path last decided a model, so that a cycle whose
	// snapshot was taken before does not undo the wake with its older answer.
	woken map[ModelKey]time.Time
}

func newZeroSet() *zeroSet {
	return &zeroSet{m: map[ModelKey]zeroWatch{}, woken: map[ModelKey]time.Time{}}
}

// note records a cycle's decision for a model: watched when every variant's desired
// count is zero, forgotten otherwise.
func (z *zeroSet) note(m *inventory.Model, d decision.Decision) {
	key := ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, v := range d.Variants {
		if v.DesiredReplicas > 0 {
			delete(z.m, key)
			return
		}
	}
	w := zeroWatch{key: key, pools: m.Pools}
	for _, v := range m.Variants {
		if v.Actionable() {
			w.targets = append(w.targets, types.NamespacedName{Namespace: v.Target.Namespace, Name: v.Target.Name})
		}
	}
	z.m[key] = w
}

// list returns the watched models.
func (z *zeroSet) list() []zeroWatch {
	z.mu.Lock()
	defer z.mu.Unlock()
	out := make([]zeroWatch, 0, len(z.m))
	for _, w := range z.m {
		out = append(out, w)
	}
	return out
}

// retain forgets models that no longer take part in decisions.
func (z *zeroSet) retain(active map[ModelKey]bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for k := range z.m {
		if !active[k] {
			delete(z.m, k)
		}
	}
	for k := range z.woken {
		if !active[k] {
			delete(z.woken, k)
		}
	}
}

// wokenSince reports whether the fast path decided the model at or after t.
func (z *zeroSet) wokenSince(key ModelKey, t time.Time) bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	w, ok := z.woken[key]
	return ok && !w.Before(t)
}

// markWoken records that the fast path decided the model at t and stops watching it.
func (z *zeroSet) markWoken(key ModelKey, t time.Time) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.woken[key] = t
	delete(z.m, key)
}

// wakeLoop runs the fast path until ctx ends.
func (e *Engine) wakeLoop(ctx context.Context) {
	t := e.opts.Clock.NewTicker(e.opts.WakeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			e.checkZero(ctx)
		}
	}
}

// checkZero reads the queue of the watched models that are at zero and wakes those with
// waiting requests.
func (e *Engine) checkZero(ctx context.Context) {
	watched := e.zero.list()
	if len(watched) == 0 {
		return
	}
	var sleeping []zeroWatch
	var scopes []collector.DemandScope
	for _, w := range watched {
		if e.targetsAtZero(ctx, w) {
			sleeping = append(sleeping, w)
			scopes = append(scopes, collector.DemandScope{Namespace: w.key.Namespace, ModelID: w.key.ModelID, Pools: w.pools})
		}
	}
	if len(sleeping) == 0 {
		return
	}
	demand, err := e.opts.Demand.Demand(ctx, scopes, e.opts.Clock.Now())
	if err != nil {
		log.FromContext(ctx).V(1).Info("Cannot read the gateway queue for models at zero", "models", len(sleeping), "err", err.Error())
		return
	}
	for i, w := range sleeping {
		if i < len(demand) && demand[i].Known && demand[i].Requests > 0 {
			e.wake(ctx, w, demandOf(demand[i]))
		}
	}
}

// targetsAtZero reports, from the cache, whether every target of the model is at zero.
func (e *Engine) targetsAtZero(ctx context.Context, w zeroWatch) bool {
	for _, key := range w.targets {
		var d appsv1.Deployment
		if err := e.opts.Reader.Get(ctx, key, &d); err != nil || d.Spec.Replicas == nil || *d.Spec.Replicas != 0 {
			return false
		}
	}
	return len(w.targets) > 0
}

// wake decides one model at zero with requests waiting, at once, and carries the decision
// out as a cycle would.
func (e *Engine) wake(ctx context.Context, w zeroWatch, demand decision.Demand) {
	logger := log.FromContext(ctx).WithValues("namespace", w.key.Namespace, "model", w.key.ModelID)
	ctx = log.IntoContext(ctx, logger)
	m, err := e.modelInventory(ctx, w.key)
	if err != nil {
		logger.Error(err, "Cannot read the model's variants from the cache; the next decision cycle wakes it")
		return
	}
	m.Pools = w.pools
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	now := e.opts.Clock.Now()
	sig := ModelSignals{
		Status: decision.SignalStatus{Usable: true, Reason: collector.ReasonNoReplicas}, Message: "no replicas to report",
		Demand: demand,
	}
	previous := map[types.UID]prior{}
	snap := Snapshot(m, sig, e.opts.Settings.SaturationFor(m.ModelID, m.Namespace), e.opts.Settings.ZeroFor(m.ModelID, m.Namespace), now)
	snap.Interval = e.opts.Settings.Interval()
	e.withFlights(&snap, m, now, previous)
	free, err := e.freeGPUs(ctx)
	if err != nil {
		logger.Error(err, "Cannot read the GPU inventory; the wake-up is not limited")
	}
	r := decision.DecideCycle([]decision.Snapshot{snap}, free)[0]
	if r.Err != nil {
		logger.Error(r.Err, "Decision at zero failed; the next decision cycle decides the model")
		return
	}
	logger.Info("Requests wait for a model at zero: decided at once", "waiting", demand.Requests, "reason", r.Decision.Reason)
	// The wake-up's writes run at once, under the lock the cycle's writers wait on.
	runJobs(ctx, e.opts.Workers, e.applyModel(ctx, m, r.Decision, sig, now, previous, &tally{}))
	e.zero.markWoken(w.key, now)
}

// modelInventory reads one model's variants and their targets from the cache: the VAs of
// its namespace, the Deployments they name and the autoscalers on them; no Pods, since a
// model at zero has none that count.
func (e *Engine) modelInventory(ctx context.Context, key ModelKey) (*inventory.Model, error) {
	var vas v1alpha1.VariantAutoscalingList
	if err := e.opts.Reader.List(ctx, &vas, client.InNamespace(key.Namespace)); err != nil {
		return nil, fmt.Errorf("list VariantAutoscalings in %s: %w", key.Namespace, err)
	}
	var deps []appsv1.Deployment
	seen := map[string]bool{}
	for _, va := range vas.Items {
		name := va.Spec.ScaleTargetRef.Name
		if seen[name] {
			continue
		}
		seen[name] = true
		var d appsv1.Deployment
		if err := e.opts.Reader.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: name}, &d); err == nil {
			deps = append(deps, d)
		}
	}
	listCtx, cancel := context.WithTimeout(ctx, scalerListTimeout)
	defer cancel()
	scalers, err := e.scalers(listCtx, client.InNamespace(key.Namespace))
	if err != nil { // as in a cycle: decide with the bounds that could be read
		log.FromContext(ctx).Error(err, "Cannot read the HPAs and ScaledObjects on the targets; deciding without their bounds this cycle",
			"namespace", key.Namespace)
	}
	for _, m := range inventory.Build(vas.Items, deps, nil) {
		if m.ModelID == key.ModelID {
			inventory.AttachScalers([]*inventory.Model{m}, scalers)
			return m, nil
		}
	}
	return nil, fmt.Errorf("no VariantAutoscaling of model %s in %s", key.ModelID, key.Namespace)
}
