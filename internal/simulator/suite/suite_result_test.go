//go:build bench

package suite

import (
	"encoding/json"
	"os"
	"testing"
)

// TestSuiteResult checks the output of the full suite (`make bench` sets
// WVA_SUITE_RESULT to its suite.json): the whole suite ran, not its quick form, and
// every property Check verifies holds on every scenario.
func TestSuiteResult(t *testing.T) {
	path := os.Getenv("WVA_SUITE_RESULT")
	if path == "" {
		t.Fatal("WVA_SUITE_RESULT is not set: run `make bench`, which runs the full suite, then this check on its suite.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	s, err := LoadFile(suiteFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Short || len(res.Scenarios) != len(s.Scenarios) {
		t.Fatalf("%s holds %d scenarios (short %v), want the full suite's %d", path, len(res.Scenarios), res.Short, len(s.Scenarios))
	}
	for _, v := range Check(&res) {
		t.Error(v)
	}
}
