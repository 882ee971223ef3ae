package collector

import (
	"reflect"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// TestReplicaSignalsMapOntoTheDecisionCore guards the engine's conversion: every field of
// decision.ReplicaSignals except Variant has a field of the same name and type here.
func TestReplicaSignalsMapOntoTheDecisionCore(t *testing.T) {
	ours := reflect.TypeFor[ReplicaSignals]()
	core := reflect.TypeFor[decision.ReplicaSignals]()
	for i := range core.NumField() {
		f := core.Field(i)
		if f.Name == "Variant" {
			continue
		}
		g, ok := ours.FieldByName(f.Name)
		if !ok || g.Type != f.Type {
			t.Errorf("decision.ReplicaSignals.%s (%s) has no counterpart in collector.ReplicaSignals", f.Name, f.Type)
		}
	}
}
