package engine

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/log"
)

// LogHeartbeatChanged is logged when the number of VAs changes the status heartbeat in
// force: without it an operator sees lastRunTime grow older than STATUS_HEARTBEAT_INTERVAL
// and cannot tell why.
const LogHeartbeatChanged = "Status heartbeat changed with the fleet size"

// fleetSize tells the status writer how many VAs share its heartbeat, and logs the
// heartbeat in force when that changed it: once when it first differs from the configured
// one, and again at each change after that.
func (e *Engine) fleetSize(ctx context.Context, vas int) {
	e.opts.Status.SetFleetSize(vas)
	h := e.opts.Status.Heartbeat()
	last := e.heartbeat
	e.heartbeat = h
	configured := e.opts.Status.ConfiguredHeartbeat()
	if h == last || (last == 0 && h == configured) {
		return
	}
	log.FromContext(ctx).Info(LogHeartbeatChanged, "configured", configured.String(), "inForce", h.String(),
		"variantAutoscalings", vas, "why", "heartbeat refreshes may take at most a quarter of API_WRITE_QPS")
}
