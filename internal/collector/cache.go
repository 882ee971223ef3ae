package collector

import (
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// CacheSettings say whether, and for how long, the Prometheus source reuses the answers
// of an earlier cycle. They are read at the start of every cycle, so they can change while
// the controller runs (PROMETHEUS_CACHE_ENABLED, PROMETHEUS_CACHE_TTL).
type CacheSettings struct {
	// Enabled turns reuse on.
	Enabled bool
	// TTL is the oldest an answer may be, measured on the cycles' clock (the now passed
	// to Collect), to be reused.
	TTL time.Duration
}

// queryCache keeps the answers of the last successful cycle by PromQL expression. Cycles
// triggered in quick succession (a VA or Deployment created, the configuration changed)
// ask the same questions; within the TTL they get the same answers without asking
// Prometheus again. An expression is the whole question (every model, namespace and window
// of the cycle), so a cycle about another set of models never gets another's answer.
type queryCache struct {
	mu      sync.Mutex
	entries map[string]cachedAnswer
}

// cachedAnswer is one query's answer and the cycle time it was asked at.
type cachedAnswer struct {
	at  time.Time
	vec model.Vector
}

// get returns the answer to expr when it was asked at most ttl before now (and not after
// now: a clock that went back does not make an answer from the future valid).
func (c *queryCache) get(expr string, now time.Time, ttl time.Duration) (model.Vector, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[expr]
	if !ok || now.Before(e.at) || now.Sub(e.at) >= ttl {
		return nil, false
	}
	return e.vec, true
}

// store keeps a successful cycle's fresh answers, and drops answers too old to be reused.
func (c *queryCache) store(now time.Time, ttl time.Duration, fresh map[string]model.Vector) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedAnswer{}
	}
	for expr, e := range c.entries {
		if now.Before(e.at) || now.Sub(e.at) >= ttl {
			delete(c.entries, expr)
		}
	}
	for expr, vec := range fresh {
		c.entries[expr] = cachedAnswer{at: now, vec: vec}
	}
}

// clear forgets every answer (the cache was turned off).
func (c *queryCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
