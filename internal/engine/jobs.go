package engine

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// job is the part of a variant's cycle that costs API requests: direct scaling, the
// status write and what follows a successful one.
type job func(ctx context.Context)

// runJobs carries out a cycle's jobs on at most workers goroutines and returns when all
// are done, so the next cycle reads what this one wrote (through flights and the cache).
func runJobs(ctx context.Context, workers int, jobs []job) {
	if workers <= 0 {
		workers = DefaultWorkers
	}
	queue := make(chan job)
	var wg sync.WaitGroup
	for range min(workers, len(jobs)) {
		wg.Go(func() {
			for j := range queue {
				j(ctx)
			}
		})
	}
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	wg.Wait()
}

// unlessWoken guards one of the cycle's jobs for a model: it runs under the read side of
// applyMu and is dropped when the scale-from-zero fast path decided the model after the
// cycle's snapshot (taken at since), whose answer then stands.
func (e *Engine) unlessWoken(key ModelKey, since time.Time, j job) job {
	return func(ctx context.Context) {
		e.applyMu.RLock()
		defer e.applyMu.RUnlock()
		if e.zero.wokenSince(key, since) {
			return
		}
		j(ctx)
	}
}

// tally counts what one cycle did, for its summary line.
type tally struct {
	mu                       sync.Mutex
	variants, held, up, down int
	changed, safetyNet, skip int
	writes, writeErrors      int
}

// decided counts a variant decision by action; changed means its desired replicas
// differ from what was last published.
func (t *tally) decided(a decision.Action, safetyNet, changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.variants++
	switch a {
	case decision.ActionScaleUp:
		t.up++
	case decision.ActionScaleDown:
		t.down++
	default:
		t.held++
	}
	if changed {
		t.changed++
	}
	if safetyNet {
		t.safetyNet++
	}
}

// notActionable counts a variant WVA cannot act on (no target, conflict, unsupported).
func (t *tally) notActionable() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.skip++
}

// written counts the outcome of a status update.
func (t *tally) written(wrote bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if wrote {
		t.writes++
	}
	if err != nil {
		t.writeErrors++
	}
}

// keysAndValues are the summary's fields for a log line.
func (t *tally) keysAndValues() []any {
	t.mu.Lock()
	defer t.mu.Unlock()
	return []any{"variants", t.variants, "held", t.held, "scaledUp", t.up, "scaledDown", t.down,
		"changed", t.changed, "safetyNet", t.safetyNet, "notActionable", t.skip,
		"statusWrites", t.writes, "writeErrors", t.writeErrors}
}

// log writes the cycle's summary line; it is never sampled away (see cmd/wva's logger).
func (t *tally) log(logger logr.Logger, kv ...any) {
	logger.Info(MsgCycleDone, append(kv, t.keysAndValues()...)...)
}
