package gateway

import (
	"net"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/workload-variant-autoscaler/wva/internal/podserver"
)

// endpoint is one Ready replica and the requests the gateway has in flight to it.
type endpoint struct {
	pod      string
	model    string
	addr     string
	inFlight atomic.Int64
	routed   atomic.Int64
	answered atomic.Int64
}

// pool holds the Ready replicas of every model and wakes waiters when one appears.
type pool struct {
	mu      sync.Mutex
	byUID   map[types.UID]*endpoint
	changed chan struct{}
}

func newPool() *pool {
	return &pool{byUID: map[types.UID]*endpoint{}, changed: make(chan struct{})}
}

// update adds, keeps or removes a Pod's endpoint after a Pod event.
func (p *pool) update(pod *corev1.Pod) {
	model, port, ok := podserver.ModelServer(pod)
	serving := ok && pod.DeletionTimestamp == nil && pod.Status.Phase == corev1.PodRunning &&
		pod.Status.PodIP != "" && podserver.PodReady(pod)
	p.mu.Lock()
	defer p.mu.Unlock()
	_, had := p.byUID[pod.UID]
	switch {
	case serving && !had:
		p.byUID[pod.UID] = &endpoint{
			pod: pod.Namespace + "/" + pod.Name, model: model,
			addr: net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(int(port))),
		}
		p.broadcast()
	case !serving && had:
		delete(p.byUID, pod.UID)
		p.broadcast()
	}
}

// remove drops a deleted Pod.
func (p *pool) remove(uid types.UID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.byUID[uid]; ok {
		delete(p.byUID, uid)
		p.broadcast()
	}
}

// broadcast wakes everyone waiting for a change; callers hold mu.
func (p *pool) broadcast() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// pick returns the replica of the model with the fewest requests in flight (ties: pod
// name), counting the new request against it, or nil and a channel closed on the next
// change when there is none.
func (p *pool) pick(model string) (*endpoint, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var best *endpoint
	for _, e := range p.byUID {
		if e.model != model {
			continue
		}
		if best == nil || e.inFlight.Load() < best.inFlight.Load() ||
			(e.inFlight.Load() == best.inFlight.Load() && e.pod < best.pod) {
			best = e
		}
	}
	if best == nil {
		return nil, p.changed
	}
	best.inFlight.Add(1)
	best.routed.Add(1)
	return best, nil
}

// models lists the models with at least one Ready replica, sorted.
func (p *pool) models() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range p.byUID {
		seen[e.model] = true
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// counts reads one counter of each current replica, by namespace/pod.
func (p *pool) counts(counter func(*endpoint) *atomic.Int64) map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int64, len(p.byUID))
	for _, e := range p.byUID {
		out[e.pod] = counter(e).Load()
	}
	return out
}
