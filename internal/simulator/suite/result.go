package suite

import (
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// Result is a whole suite run. It holds no wall-clock figure, so the same suite and
// seeds give byte-identical JSON whatever the parallelism.
type Result struct {
	// Short is true when the scenarios ran in their quick form.
	Short bool `json:"short"`
	// Scenarios are in suite order.
	Scenarios []ScenarioResult `json:"scenarios"`
}

// ScenarioResult is every policy's outcome on one scenario.
type ScenarioResult struct {
	// Name, File and Description identify the scenario.
	Name        string `json:"name"`
	File        string `json:"file"`
	Description string `json:"description,omitempty"`
	// Summary describes what was simulated; Load is the arrival rate per model.
	Summary simulator.ScenarioSummary `json:"summary"`
	Load    []simulator.LoadSeries    `json:"load"`
	// OracleCost is the cost of the oracle tuned to the target, the reference of every
	// cost ratio (0 when the scenario has no oracle).
	OracleCost float64 `json:"oracleCost"`
	// Policies are in the scenario's policy order.
	Policies []PolicyOutcome `json:"policies"`
}

// PolicyOutcome is one policy entry on one scenario: the run as written and, for a
// tunable policy, the run at the cheapest setting of its knob meeting the target.
type PolicyOutcome struct {
	// Name and Type identify the entry.
	Name string `json:"name"`
	Type string `json:"type"`
	// Knob is the tuned setting (absent when the policy was not tuned).
	Knob *KnobResult `json:"knob,omitempty"`
	// Default is the run as written.
	Default Row `json:"default"`
	// Tuned is the tuned run.
	Tuned *Row `json:"tuned,omitempty"`
	// Probes are every run of the search, in order.
	Probes []Probe `json:"probes,omitempty"`
}

// KnobResult describes the knob searched.
type KnobResult struct {
	// Name is the setting; Steps the values searched per model, cheapest first;
	// Default the entry's value per model.
	Name    string      `json:"name"`
	Steps   [][]float64 `json:"steps"`
	Default []float64   `json:"default"`
}

// Row is one line of the table: a run and how it came about.
type Row struct {
	// Label names the row (e.g. "hpa", "hpa tuned", "capacity-bound", "oracle").
	Label string `json:"label"`
	// Setting is the knob's value per model (absent for untunable policies) and
	// SettingText the same for a person.
	Setting     []float64 `json:"setting,omitempty"`
	SettingText string    `json:"settingText,omitempty"`
	// CannotMeet (tuned rows) says no step of the knob met the target; the row is the
	// run with the best attainment reached.
	CannotMeet bool `json:"cannotMeet,omitempty"`
	// Unsettled (tuned rows) says the search did not settle (see Tuning.Unsettled); the
	// row is the cheapest run that met the target, not verified as the cheapest.
	Unsettled bool `json:"unsettled,omitempty"`
	// Cheaper (tuned rows) are the runs one step cheaper, one model at a time; each
	// missed the target.
	Cheaper []Probe `json:"cheaper,omitempty"`
	// Result is the run.
	Result simulator.PolicyResult `json:"result"`
}

// Rows returns the outcome's rows: default, then tuned when present.
func (p *PolicyOutcome) Rows() []*Row {
	out := []*Row{&p.Default}
	if p.Tuned != nil {
		out = append(out, p.Tuned)
	}
	return out
}

// Oracle returns the reference row of the scenario: the tuned row of its first oracle
// entry, nil when it has none.
func (s *ScenarioResult) Oracle() *Row {
	for i := range s.Policies {
		if s.Policies[i].Type == oracleType && s.Policies[i].Tuned != nil {
			return s.Policies[i].Tuned
		}
	}
	return nil
}

// oracleType is the type of the oracle entries.
const oracleType = "oracle"

// Family classifies a policy for the headline: WVA's own modes (types starting with
// "wva"), the oracle, or a baseline (everything else).
func Family(policyType string) string {
	switch {
	case policyType == oracleType:
		return "oracle"
	case strings.HasPrefix(policyType, "wva"):
		return "wva"
	}
	return "baseline"
}
