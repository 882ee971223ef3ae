package engine

import (
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// TestAStretchedHeartbeatIsLogged: a fleet large enough to stretch the status heartbeat
// says so once, with the period in force, and again when the fleet shrinks back; a fleet
// that leaves the configured heartbeat alone logs nothing.
func TestAStretchedHeartbeatIsLogged(t *testing.T) {
	logs := &lines{}
	ctx := log.IntoContext(context.Background(), funcr.New(logs.add, funcr.Options{}))
	w := status.NewWriter(nil, nil, nil, status.WithHeartbeat(5*time.Minute), status.WithWriteRate(50))
	e := New(Options{Status: w})
	for _, step := range []struct {
		vas     int
		inForce string // "" when nothing is logged
	}{
		{100, ""}, {2500, ""}, {10000, "20m0s"}, {10000, ""}, {9000, ""}, {40000, "1h20m0s"}, {100, "5m0s"}, {200, ""},
	} {
		before := len(logs.with(LogHeartbeatChanged))
		e.fleetSize(ctx, step.vas)
		got := logs.with(LogHeartbeatChanged)
		switch {
		case step.inForce == "" && len(got) != before:
			t.Errorf("%d VAs: logged %q, want nothing (heartbeat unchanged)", step.vas, got[len(got)-1])
		case step.inForce != "" && len(got) != before+1:
			t.Errorf("%d VAs: %d heartbeat lines, want one more than %d (in force %s)", step.vas, len(got), before, step.inForce)
		case step.inForce != "" && len(logs.with(`"inForce"="`+step.inForce+`"`, `"configured"="5m0s"`)) == 0:
			t.Errorf("%d VAs: %q, want in force %s", step.vas, got[len(got)-1], step.inForce)
		}
	}
}
