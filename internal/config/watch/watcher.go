package watch

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"

	"github.com/workload-variant-autoscaler/wva/internal/config"
)

// Watcher keeps a config.Store in step with the ConfigMaps in the controller's namespace:
// the main ConfigMap, the saturation ConfigMap (and its legacy name), the scale-to-zero
// ConfigMap, the serviceclass ConfigMap and the performance-prior-config ConfigMap. It watches only those names in only that
// namespace, so it needs no cluster-wide ConfigMap access and caches nothing else.
type Watcher struct {
	client   kubernetes.Interface
	store    *config.Store
	recorder events.EventRecorder
	elected  <-chan struct{}
	ns       string
	main     string

	mu        sync.Mutex // serialises handling, so the saturation pair is read consistently
	informers map[string]cache.SharedIndexInformer
	lastSeen  map[string]*corev1.ConfigMap
	synced    chan struct{}
	// legacyWarned is the resource version of the legacy saturation ConfigMap last reported
	// as shadowed, so each version is told once.
	legacyWarned string
}

// New builds a Watcher for the namespace and main ConfigMap named in the store's static
// configuration. The recorder (e.g. a manager's GetEventRecorder) receives the events;
// nil disables events but not logs. Every replica runs a Watcher, so that a new leader
// starts with the configuration in force, but only the leader tells the cluster: events
// are raised once elected is closed (a manager's Elected(), closed at once without leader
// election); a nil elected raises them always.
func New(client kubernetes.Interface, store *config.Store, recorder events.EventRecorder, elected <-chan struct{}) *Watcher {
	st := store.Current().Static
	return &Watcher{
		client: client, store: store, recorder: recorder, elected: elected, ns: st.Namespace, main: st.ConfigMapName,
		informers: map[string]cache.SharedIndexInformer{}, lastSeen: map[string]*corev1.ConfigMap{},
		synced: make(chan struct{}),
	}
}

// names are the ConfigMaps watched.
func (w *Watcher) names() []string {
	return []string{w.main, config.SaturationConfigMapName, config.LegacySaturationConfigMapName,
		config.ScaleToZeroConfigMapName, config.ServiceClassConfigMapName, config.PerformancePriorConfigMapName}
}

// NeedLeaderElection is false: every replica keeps its configuration current, so a new
// leader starts with the right settings.
func (w *Watcher) NeedLeaderElection() bool { return false }

// leading reports whether this replica is the leader (or there is no election).
func (w *Watcher) leading() bool {
	if w.elected == nil {
		return true
	}
	select {
	case <-w.elected:
		return true
	default:
		return false
	}
}

// Synced is closed once the initial content of every watched ConfigMap has been applied.
func (w *Watcher) Synced() <-chan struct{} { return w.synced }

// Start watches until ctx is done (it fits a controller-runtime manager as a Runnable). It
// takes its logger from ctx. It returns an error only if the caches cannot sync.
func (w *Watcher) Start(ctx context.Context) error {
	var hasSynced []cache.InformerSynced
	for _, name := range w.names() {
		lw := cache.NewListWatchFromClient(w.client.CoreV1().RESTClient(), "configmaps", w.ns,
			fields.OneTermEqualSelector("metadata.name", name))
		inf := cache.NewSharedIndexInformer(lw, &corev1.ConfigMap{}, 0, cache.Indexers{})
		if _, err := inf.AddEventHandler(w.handlerFor(ctx, name)); err != nil {
			return fmt.Errorf("watching ConfigMap %s/%s: %w", w.ns, name, err)
		}
		w.mu.Lock()
		w.informers[name] = inf
		w.mu.Unlock()
		hasSynced = append(hasSynced, inf.HasSynced)
	}
	for _, inf := range w.informers {
		go inf.Run(ctx.Done())
	}
	if !cache.WaitForCacheSync(ctx.Done(), hasSynced...) {
		return fmt.Errorf("ConfigMap caches in namespace %s did not sync: %w", w.ns, context.Cause(ctx))
	}
	for _, name := range w.names() {
		w.handle(ctx, name) // applies absent ConfigMaps too: they mean defaults
	}
	close(w.synced)
	<-ctx.Done()
	return nil
}

// handlerFor reacts to every change of one ConfigMap; resyncs with no change are skipped.
func (w *Watcher) handlerFor(ctx context.Context, name string) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { w.handle(ctx, name) },
		UpdateFunc: func(oldObj, newObj any) {
			o, ok1 := oldObj.(*corev1.ConfigMap)
			n, ok2 := newObj.(*corev1.ConfigMap)
			if ok1 && ok2 && o.ResourceVersion == n.ResourceVersion {
				return
			}
			w.handle(ctx, name)
		},
		DeleteFunc: func(any) { w.handle(ctx, name) },
	}
}

// get returns a ConfigMap's current content from the cache, and the object to attach
// events to (the last one seen when it was deleted).
func (w *Watcher) get(name string) (config.ConfigMapContent, *corev1.ConfigMap) {
	content := config.ConfigMapContent{Name: name}
	inf := w.informers[name]
	if inf == nil {
		return content, w.lastSeen[name]
	}
	obj, exists, err := inf.GetStore().GetByKey(w.ns + "/" + name)
	cm, ok := obj.(*corev1.ConfigMap)
	if err != nil || !exists || !ok {
		return content, w.lastSeen[name]
	}
	w.lastSeen[name] = cm
	content.Present, content.Data = true, cm.Data
	return content, cm
}
