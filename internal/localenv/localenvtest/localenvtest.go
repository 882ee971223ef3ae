// Package localenvtest runs Go tests against a real local control plane (package
// localenv): it starts one, stops it when the test or package is done, and prints the
// components' logs when something failed, so a red test shows why.
package localenvtest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// logLines is how much of each component's log a failure prints.
const logLines = 60

// Start starts an environment for one test and registers its stop; the test fails at
// once if the environment cannot start.
func Start(t testing.TB, opts localenv.Options) *localenv.Env {
	t.Helper()
	env, err := localenv.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start local environment: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			env.DumpLogs(os.Stderr, logLines)
		}
		env.Stop()
	})
	return env
}

// Main starts one environment shared by a package's tests, runs them, prints the logs if
// any failed, stops the environment and returns the exit code for os.Exit. Use it from
// TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(localenvtest.Main(m, localenv.Options{}, &env)) }
func Main(m *testing.M, opts localenv.Options, env **localenv.Env) int {
	e, err := localenv.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "start local environment: %v\n", err)
		return 1
	}
	*env = e
	code := m.Run()
	if code != 0 {
		e.DumpLogs(os.Stderr, logLines)
	}
	e.Stop()
	return code
}
