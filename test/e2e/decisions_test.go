package e2e

import (
	"encoding/json"
	"github.com/workload-variant-autoscaler/wva/test/harness"
	"strings"
)

// decision is one "Scaling decision" line of WVA's JSON log (what `kubectl logs` shows).
type decision struct {
	Variant string `json:"variant"`
	Action  string `json:"action"`
	Desired int    `json:"desiredReplicas"`
	Current int    `json:"currentReplicas"`
	Reason  string `json:"reason"`
}

// decisions returns the manager's scaling decisions in order, from line from on.
func decisions(m *harness.Manager, from int) []decision {
	var out []decision
	for i, line := range strings.Split(m.Log(), "\n") {
		if i < from || !strings.Contains(line, `"msg":"Scaling decision"`) {
			continue
		}
		var d decision
		if json.Unmarshal([]byte(line), &d) == nil {
			out = append(out, d)
		}
	}
	return out
}

// firstChange returns the first decision that changes a variant's replicas in the given
// direction ("up" or "down": desired above or below current), from log line from on.
func firstChange(m *harness.Manager, from int, direction string) (decision, bool) {
	for _, d := range decisions(m, from) {
		if (direction == "up" && d.Desired > d.Current) || (direction == "down" && d.Desired < d.Current) {
			return d, true
		}
	}
	return decision{}, false
}

// logLines counts the lines of the manager's log so far, to look only at later ones.
func logLines(m *harness.Manager) int { return strings.Count(m.Log(), "\n") }
