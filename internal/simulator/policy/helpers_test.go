package policy

import (
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// run builds the scenario and runs one policy entry on it through the registry.
func run(t *testing.T, c simulator.Config, pc simulator.PolicyConfig) (*simulator.Scenario, simulator.PolicyResult) {
	t.Helper()
	sc := simtest.Scenario(t, c)
	p, err := Builtin().Build(sc, pc)
	if err != nil {
		t.Fatalf("build %s: %v", pc.Name, err)
	}
	res, err := sc.Run(p, simulator.RunOptions{})
	if err != nil {
		t.Fatalf("run %s: %v", pc.Name, err)
	}
	return sc, res
}
