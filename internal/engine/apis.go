package engine

import (
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DiscoveryRecheck is how long "this optional API is not installed" (KEDA's ScaledObject,
// an InferencePool version) is believed before discovery is asked again. Asking every
// cycle would cost two discovery requests per missing API group per cycle for nothing;
// a CRD installed after WVA starts is therefore read within this period.
const DiscoveryRecheck = 5 * time.Minute

// apiPresence remembers what discovery said of the optional APIs the cycle reads.
type apiPresence struct {
	mu sync.Mutex
	// found holds the APIs discovery found: believed present from then on.
	found map[schema.GroupVersionKind]bool
	// absentAt is when an API was last found missing.
	absentAt map[schema.GroupVersionKind]time.Time
}

// installed tells whether the API of gvk exists. Once found it is believed present;
// found missing, discovery is asked again only after DiscoveryRecheck. Without a
// RESTMapper no optional API is read.
func (e *Engine) installed(gvk schema.GroupVersionKind) (bool, error) {
	if e.opts.RESTMapper == nil {
		return false, nil
	}
	p := &e.apis
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.found[gvk] {
		return true, nil
	}
	now := e.opts.Clock.Now()
	if at, ok := p.absentAt[gvk]; ok && now.Sub(at) < DiscoveryRecheck {
		return false, nil
	}
	if _, err := e.opts.RESTMapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
		if meta.IsNoMatchError(err) {
			if p.absentAt == nil {
				p.absentAt = map[schema.GroupVersionKind]time.Time{}
			}
			p.absentAt[gvk] = now
			return false, nil
		}
		return false, fmt.Errorf("look up the %s API: %w", gvk.GroupVersion(), err)
	}
	if p.found == nil {
		p.found = map[schema.GroupVersionKind]bool{}
	}
	p.found[gvk] = true
	return true, nil
}
