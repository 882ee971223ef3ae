package suite

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// File is a suite file as written: the policies every scenario runs and the scenarios.
type File struct {
	// Policies run on every scenario, in this order. A scenario's own entry with the same
	// name replaces one; its other entries are added after these.
	Policies []simulator.PolicyConfig `json:"policies"`
	// Scenarios are simulator configs, one file each.
	Scenarios []ScenarioEntry `json:"scenarios"`
}

// ScenarioEntry names one scenario of a suite.
type ScenarioEntry struct {
	// Name labels the scenario (default: the file's base name without extension).
	Name string `json:"name,omitempty"`
	// File is the scenario's config, relative to the suite file.
	File string `json:"file"`
	// Short describes the scenario's quick form, for the smoke test.
	Short *simulator.Shortening `json:"short,omitempty"`
}

// Suite is a loaded suite: every scenario's config with its policies merged.
type Suite struct {
	// Scenarios are in file order.
	Scenarios []Scenario
}

// Scenario is one loaded scenario of a suite.
type Scenario struct {
	// Name labels the scenario; File is its config's path as given in the suite file.
	Name string
	File string
	// Description is the first paragraph of the config's leading comment.
	Description string
	// Config is the scenario's config with the suite's policies merged in.
	Config simulator.Config
	// Short describes the quick form; Shortened says whether Config is it.
	Short     *simulator.Shortening
	Shortened bool
}

// LoadFile reads a suite file and every scenario it names.
func LoadFile(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read suite: %w", err)
	}
	var f File
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("%w: suite %s: %w", simulator.ErrConfig, path, err)
	}
	if len(f.Scenarios) == 0 {
		return nil, fmt.Errorf("%w: suite %s lists no scenarios", simulator.ErrConfig, path)
	}
	dir := filepath.Dir(path)
	s := &Suite{}
	seen := map[string]bool{}
	for i, e := range f.Scenarios {
		if e.File == "" {
			return nil, fmt.Errorf("%w: suite %s: scenario %d has no file", simulator.ErrConfig, path, i+1)
		}
		sc, err := loadScenario(dir, e, f.Policies)
		if err != nil {
			return nil, fmt.Errorf("suite %s: %w", path, err)
		}
		if seen[sc.Name] {
			return nil, fmt.Errorf("%w: suite %s: scenario name %q used twice", simulator.ErrConfig, path, sc.Name)
		}
		seen[sc.Name] = true
		s.Scenarios = append(s.Scenarios, sc)
	}
	return s, nil
}

// loadScenario reads one scenario's config and merges the suite's policies into it.
func loadScenario(dir string, e ScenarioEntry, common []simulator.PolicyConfig) (Scenario, error) {
	path := filepath.Join(dir, e.File)
	c, err := simulator.LoadConfigFile(path)
	if err != nil {
		return Scenario{}, err
	}
	name := e.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(e.File), filepath.Ext(e.File))
	}
	c.Policies = mergePolicies(common, c.Policies)
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return Scenario{}, fmt.Errorf("scenario %s: %w", name, err)
	}
	if len(c.Policies) == 0 {
		return Scenario{}, fmt.Errorf("%w: scenario %s: no policies (the suite's and the scenario's lists are empty)", simulator.ErrConfig, name)
	}
	desc, err := leadingComment(path)
	if err != nil {
		return Scenario{}, err
	}
	return Scenario{Name: name, File: e.File, Description: desc, Config: c, Short: e.Short}, nil
}

// mergePolicies is the suite's entries, each replaced by the scenario's entry of the same
// name, then the scenario's other entries.
func mergePolicies(common, own []simulator.PolicyConfig) []simulator.PolicyConfig {
	name := func(p simulator.PolicyConfig) string {
		if p.Name == "" {
			return p.Type
		}
		return p.Name
	}
	out := make([]simulator.PolicyConfig, 0, len(common)+len(own))
	used := make([]bool, len(own))
	for _, p := range common {
		if i := slices.IndexFunc(own, func(o simulator.PolicyConfig) bool { return name(o) == name(p) }); i >= 0 {
			p, used[i] = own[i], true
		}
		out = append(out, p)
	}
	for i, p := range own {
		if !used[i] {
			out = append(out, p)
		}
	}
	return out
}

// leadingComment returns the first paragraph of a YAML file's leading comment.
func leadingComment(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(l, "#") {
			break
		}
		l = strings.TrimSpace(strings.TrimPrefix(l, "#"))
		if l == "" {
			if len(lines) > 0 {
				break
			}
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, " "), nil
}

// Short returns the suite's quick form: every scenario shortened as its entry says
// (a scenario without a short form is kept whole).
func (s *Suite) Short() (*Suite, error) {
	out := &Suite{}
	for _, sc := range s.Scenarios {
		if sc.Short != nil {
			c, err := sc.Config.Shortened(*sc.Short)
			if err != nil {
				return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
			}
			sc.Config, sc.Shortened = c, true
		}
		out.Scenarios = append(out.Scenarios, sc)
	}
	return out, nil
}

// Only keeps the named scenarios, in suite order; an unknown name is an error.
func (s *Suite) Only(names []string) (*Suite, error) {
	if len(names) == 0 {
		return s, nil
	}
	out := &Suite{}
	for _, n := range names {
		if !slices.ContainsFunc(s.Scenarios, func(sc Scenario) bool { return sc.Name == n }) {
			var known []string
			for _, sc := range s.Scenarios {
				known = append(known, sc.Name)
			}
			return nil, fmt.Errorf("%w: no scenario %q in the suite (known: %s)", simulator.ErrConfig, n, strings.Join(known, ", "))
		}
	}
	for _, sc := range s.Scenarios {
		if slices.Contains(names, sc.Name) {
			out.Scenarios = append(out.Scenarios, sc)
		}
	}
	return out, nil
}
