package simulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/yaml"
)

// ErrConfig marks every configuration error.
var ErrConfig = errors.New("invalid simulator config")

// LoadConfigFile reads a YAML config; relative trace paths are resolved against the
// file's directory so a config works from any working directory.
func LoadConfigFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolvePaths(filepath.Dir(path))
	return c, nil
}

// ParseConfig decodes a YAML (or JSON) config, rejecting unknown keys, and fills
// defaults. Policy entries are checked for their common keys here and for their own
// keys by their kind when built.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// resolvePaths makes relative trace paths relative to dir.
func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	fix := func(l *LoadConfig) {
		if l == nil {
			return
		}
		abs(&l.Trace)
		if l.Pattern != nil {
			abs(&l.Pattern.LengthsFrom)
		}
	}
	fix(&c.Load)
	for i := range c.Models {
		fix(c.Models[i].Load)
	}
}

// SetDefaults fills every unset field with its documented default. It is idempotent.
func (c *Config) SetDefaults() {
	def := func(d *Duration, v time.Duration) {
		if *d == 0 {
			*d = Duration(v)
		}
	}
	def(&c.DecisionInterval, 30*time.Second)
	def(&c.ScrapeInterval, 15*time.Second)
	def(&c.MetricsWindow, time.Minute)
	def(&c.MaxSampleAge, time.Minute)
	def(&c.TokenRatioWindow, 5*time.Minute)
	def(&c.Resolution, time.Minute)
	def(&c.DrainTimeout, 10*time.Minute)
	def(&c.Steps.Window, time.Minute)
	def(&c.Steps.Baseline, 5*time.Minute)
	def(&c.Steps.Horizon, 10*time.Minute)
	if c.Steps.Rise == 0 {
		c.Steps.Rise = 0.15
	}
	for i := range c.Models {
		c.Models[i].setDefaults()
	}
	for i := range c.Policies {
		if c.Policies[i].Name == "" {
			c.Policies[i].Name = c.Policies[i].Type
		}
	}
}

func (m *ModelConfig) setDefaults() {
	if m.Namespace == "" {
		m.Namespace = "default"
	}
	if m.AttainmentTarget == 0 {
		m.AttainmentTarget = 0.95
	}
	for i := range m.Classes {
		if m.Classes[i].AttainmentTarget == 0 {
			m.Classes[i].AttainmentTarget = m.AttainmentTarget
		}
	}
	for i := range m.Variants {
		if m.Variants[i].GPUsPerReplica == 0 {
			m.Variants[i].GPUsPerReplica = 1
		}
	}
}

// Validate reports the first inconsistency, naming the key.
func (c *Config) Validate() error {
	if c.ScrapeInterval > c.MetricsWindow {
		return fmt.Errorf("%w: scrapeInterval %v longer than metricsWindow %v leaves windows without samples", ErrConfig, c.ScrapeInterval.D(), c.MetricsWindow.D())
	}
	if c.StepJitter < 0 || c.StepJitter > 0.5 {
		return fmt.Errorf("%w: stepJitter %g outside [0, 0.5]", ErrConfig, c.StepJitter)
	}
	if len(c.Models) == 0 {
		return fmt.Errorf("%w: no models", ErrConfig)
	}
	seen := map[string]bool{}
	for i := range c.Models {
		m := &c.Models[i]
		key := m.Namespace + "/" + m.Name
		if seen[key] {
			return fmt.Errorf("%w: model %s listed twice", ErrConfig, key)
		}
		seen[key] = true
		if err := m.validate(); err != nil {
			return fmt.Errorf("%w: model %q: %w", ErrConfig, m.Name, err)
		}
	}
	if err := c.Load.validate("load"); err != nil {
		return err
	}
	for _, m := range c.Models {
		if m.Load != nil {
			if err := m.Load.validate(fmt.Sprintf("model %q: load", m.Name)); err != nil {
				return err
			}
		}
	}
	return c.validatePolicies()
}

func (m *ModelConfig) validate() error {
	if m.Name == "" {
		return errors.New("name is required")
	}
	if err := m.SLO.validate(); err != nil && len(m.Classes) == 0 {
		return fmt.Errorf("slo: %w", err)
	}
	classes := map[string]bool{}
	for _, cl := range m.Classes {
		if cl.Name == "" || cl.Weight <= 0 {
			return fmt.Errorf("class %q needs a name and a positive weight", cl.Name)
		}
		if classes[cl.Name] {
			return fmt.Errorf("class %q listed twice", cl.Name)
		}
		classes[cl.Name] = true
		if err := cl.SLO.validate(); err != nil {
			return fmt.Errorf("class %q: %w", cl.Name, err)
		}
		if cl.Priority < 0 {
			return fmt.Errorf("class %q: priority %d is negative (1 is served first)", cl.Name, cl.Priority)
		}
		if cl.AttainmentTarget < 0 || cl.AttainmentTarget > 1 {
			return fmt.Errorf("class %q: attainmentTarget %g outside (0, 1]", cl.Name, cl.AttainmentTarget)
		}
	}
	if m.AttainmentTarget <= 0 || m.AttainmentTarget > 1 {
		return fmt.Errorf("attainmentTarget %g outside (0, 1]", m.AttainmentTarget)
	}
	if len(m.Variants) == 0 {
		return errors.New("no variants")
	}
	names := map[string]bool{}
	for _, v := range m.Variants {
		if names[v.Name] {
			return fmt.Errorf("variant %q listed twice", v.Name)
		}
		names[v.Name] = true
		if err := v.validate(); err != nil {
			return fmt.Errorf("variant %q: %w", v.Name, err)
		}
	}
	return nil
}

func (s SLO) validate() error {
	if s.TTFT <= 0 || s.ITL <= 0 {
		return errors.New("ttft and itl targets must be positive")
	}
	return nil
}

func (v VariantConfig) validate() error {
	switch {
	case v.Name == "" || v.Profile == "":
		return errors.New("name and profile are required")
	case v.Cost < 0:
		return fmt.Errorf("cost %g is negative", v.Cost)
	case v.StartupDelay < 0:
		return errors.New("startupDelay is negative")
	case v.GPUsPerReplica < 0:
		return errors.New("gpusPerReplica is negative")
	case v.MinReplicas != nil && *v.MinReplicas < 0, v.MaxReplicas != nil && *v.MaxReplicas < 0:
		return errors.New("negative bound")
	case v.MinReplicas != nil && v.MaxReplicas != nil && *v.MinReplicas > *v.MaxReplicas:
		return fmt.Errorf("minReplicas %d > maxReplicas %d", *v.MinReplicas, *v.MaxReplicas)
	}
	return nil
}

func (c *Config) validatePolicies() error {
	names := map[string]bool{}
	for _, p := range c.Policies {
		if names[p.Name] {
			return fmt.Errorf("%w: policy name %q used twice", ErrConfig, p.Name)
		}
		names[p.Name] = true
		switch {
		case p.Type == "":
			return fmt.Errorf("%w: policy %q: type is required", ErrConfig, p.Name)
		case p.Interval < 0:
			return fmt.Errorf("%w: policy %q: interval %v is negative", ErrConfig, p.Name, p.Interval.D())
		case len(p.Setting) > 1 && len(p.Setting) != len(c.Models):
			return fmt.Errorf("%w: policy %q: setting has %d values for %d models (give one, or one per model)", ErrConfig, p.Name, len(p.Setting), len(c.Models))
		}
	}
	return nil
}
