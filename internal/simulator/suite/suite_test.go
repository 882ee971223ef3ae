package suite

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// suiteFile is the repository's benchmark suite.
func suiteFile(t *testing.T) string { return filepath.Join(simtest.Benchmarks(t), "suite.yaml") }

// shortSuite loads the suite's quick form.
func shortSuite(t *testing.T) *Suite {
	t.Helper()
	simtest.SharedTrace(t)
	s, err := LoadFile(suiteFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if s, err = s.Short(); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSuiteSmoke runs the quick form of every scenario of docs/benchmarks/suite.yaml
// (the full suite is `make bench`; TestSuiteResult checks its output) and shows, on
// every scenario:
//   - the oracle tuned to the target meets it, and costs no more than any run of any
//     other policy that meets it, including every probe of every search (Check);
//   - every tuned setting meets the target and one step cheaper for any model misses
//     it (Check, on the search's own runs), and for the HPA-style and static policies
//     fresh runs of those two settings, independent of the search, agree;
//   - the same suite gives byte-identical JSON whatever the parallelism;
//   - the report has one scatter per scenario and fetches nothing.
func TestSuiteSmoke(t *testing.T) {
	s := shortSuite(t)
	res, err := Run(s, policy.Builtin(), Options{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scenarios) != 6 || !res.Short {
		t.Fatalf("%d scenarios (short %v), want the suite's 6 in their quick form", len(res.Scenarios), res.Short)
	}
	for _, v := range Check(res) {
		t.Error(v)
	}
	t.Run("fresh runs agree with the search", func(t *testing.T) { freshRunsAgree(t, s, res) })
	t.Run("same result whatever the parallelism", func(t *testing.T) { sameWhateverParallelism(t, s, res) })
	t.Run("report", func(t *testing.T) { reportShowsEveryScenario(t, res) })
}

// freshRunsAgree re-runs, on new scenarios, each tuned HPA-style and static setting and
// the settings one step cheaper per model: the first meets the target, the others miss.
func freshRunsAgree(t *testing.T, s *Suite, res *Result) {
	checked := 0
	for si, sr := range res.Scenarios {
		sc := simtest.Scenario(t, s.Scenarios[si].Config) // a new scenario, calibrated anew, shared by this scenario's fresh runs
		for _, p := range sr.Policies {
			if (p.Type != policy.TypeHPA && p.Type != policy.TypeStatic) || p.Tuned == nil || p.Tuned.CannotMeet {
				continue
			}
			entry := s.Scenarios[si].Config.Policies[slices.IndexFunc(s.Scenarios[si].Config.Policies,
				func(pc simulator.PolicyConfig) bool { return pc.Name == p.Name })]
			meets := func(setting []float64) bool {
				pc := entry
				pc.Setting = setting
				pol, err := policy.Builtin().Build(sc, pc)
				if err != nil {
					t.Fatal(err)
				}
				r, err := sc.Run(pol, simulator.RunOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return r.MeetsSLO
			}
			if !meets(p.Tuned.Setting) {
				t.Errorf("%s: %s at its tuned %s misses the target on a fresh run", sr.Name, p.Name, p.Tuned.SettingText)
			}
			for m, v := range p.Tuned.Setting {
				i := slices.Index(p.Knob.Steps[m], v)
				if i <= 0 {
					continue
				}
				cheaper := slices.Clone(p.Tuned.Setting)
				cheaper[m] = p.Knob.Steps[m][i-1]
				if meets(cheaper) {
					t.Errorf("%s: %s one step cheaper than its tuned setting (%v) meets the target on a fresh run", sr.Name, p.Name, cheaper)
				}
				checked++
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d tuned settings had a cheaper step to check; the property is barely exercised", checked)
	}
}

// sameWhateverParallelism runs two scenarios again one run at a time: their JSON is
// byte-identical to the parallel run's; another seed changes a third.
func sameWhateverParallelism(t *testing.T, s *Suite, res *Result) {
	sub, err := s.Only([]string{"code-assistant", "scarce-gpus-three-models"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Run(sub, policy.Builtin(), Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range again.Scenarios {
		i := slices.IndexFunc(res.Scenarios, func(x ScenarioResult) bool { return x.Name == sr.Name })
		if a, b := marshal(t, res.Scenarios[i]), marshal(t, sr); !bytes.Equal(a, b) {
			t.Errorf("%s: JSON differs between parallel and serial runs (%d vs %d bytes)", sr.Name, len(a), len(b))
		}
	}
	other, err := s.Only([]string{"mostly-idle"})
	if err != nil {
		t.Fatal(err)
	}
	other.Scenarios[0].Config.Seed++
	reseeded, err := Run(other, policy.Builtin(), Options{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Scenarios, func(x ScenarioResult) bool { return x.Name == "mostly-idle" })
	if bytes.Equal(marshal(t, reseeded.Scenarios[0]), marshal(t, res.Scenarios[i])) {
		t.Error("another seed gave identical JSON: the seed drives nothing")
	}
}

// reportShowsEveryScenario renders the report.
func reportShowsEveryScenario(t *testing.T, res *Result) {
	var b bytes.Buffer
	if err := res.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(page, `aria-label="SLO attainment against cost"`); n != len(res.Scenarios) {
		t.Errorf("%d scatter plots, want one per scenario (%d)", n, len(res.Scenarios))
	}
	for _, want := range []string{"Headline", "capacity-bound", "oracle", "hpa tuned", "Premium", "target 95%", "Azure Public Dataset"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	selfContained(t, page)
	var md bytes.Buffer
	if err := res.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "| scenario | best WVA mode |") {
		t.Errorf("markdown: %v", err)
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
