package suite

import (
	"regexp"
	"strings"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// compare builds the scenario and runs every entry of the config.
func compare(t *testing.T, c simulator.Config) *simulator.Result {
	t.Helper()
	res, err := Compare(simtest.Scenario(t, c), policy.Builtin(), Options{})
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	return res
}

// named returns the named policy's result.
func named(t *testing.T, r *simulator.Result, name string) simulator.PolicyResult {
	t.Helper()
	for _, p := range r.Policies {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %q in result", name)
	return simulator.PolicyResult{}
}

// selfContained checks a page fetches nothing: no script, no source or link outside the
// page, no URL but the SVG namespace.
func selfContained(t *testing.T, page string) {
	t.Helper()
	if strings.Contains(page, "<script") || regexp.MustCompile(`src=|href="[^#]`).MatchString(page) {
		t.Error("page loads external resources or scripts")
	}
	for _, u := range regexp.MustCompile(`https?://[^"]+`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("unexpected URL in the page: %s", u)
		}
	}
}
