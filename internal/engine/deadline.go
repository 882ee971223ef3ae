package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// CollectionDeadline is how long a cycle waits for its signals: three quarters of the
// interval, so a slow or hanging metrics source (a Prometheus answering in a minute, a
// model server sending a byte a second) ends the cycle's collection on the cycle's own
// deadline, leaves a quarter for acting, and never delays the next cycle. Whatever has not
// arrived by then is unusable, and the safety net holds the models concerned.
func CollectionDeadline(interval time.Duration) time.Duration { return interval * 3 / 4 }

// collect asks the signal source for every active model within the collection deadline.
func (e *Engine) collect(ctx context.Context, models []*inventory.Model, now time.Time) map[ModelKey]ModelSignals {
	deadline := CollectionDeadline(e.opts.Settings.Interval())
	cctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	signals := e.opts.Signals.Collect(cctx, models, now)
	if !errors.Is(cctx.Err(), context.DeadlineExceeded) || ctx.Err() != nil {
		return signals
	}
	log.FromContext(ctx).Info("Signal collection passed the cycle's deadline; models without signals are held by the safety net",
		"deadline", deadline.String())
	late := fmt.Sprintf("signals did not arrive within the cycle's collection deadline of %s (3/4 of %s): ", deadline, config.KeyGlobalOptInterval)
	for k, sig := range signals {
		if sig.Status.Usable {
			continue
		}
		sig.Message = late + sig.Message
		for name, h := range sig.Variants {
			if !h.Usable {
				h.Message = late + h.Message
				sig.Variants[name] = h
			}
		}
		signals[k] = sig
	}
	return signals
}
