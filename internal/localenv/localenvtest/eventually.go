package localenvtest

import (
	"testing"
	"time"
)

// pollInterval is how often Eventually re-checks a condition.
const pollInterval = 250 * time.Millisecond

// Eventually polls cond until it returns nil, and fails the test with cond's last error
// once timeout has passed. Tests against real components wait on conditions with it,
// never on fixed sleeps.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		time.Sleep(pollInterval)
	}
}
