package config

import (
	"reflect"
	"sync"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// Store holds the configuration in force and is the only way it changes at runtime. It is
// safe for concurrent use: readers get consistent copies, and every Apply replaces the part
// it owns in one step, so a decision cycle never sees half an update. A bad update leaves the
// last good configuration in force.
type Store struct {
	mu        sync.RWMutex
	cfg       Config
	changes   map[int]chan struct{}
	intervals map[int]chan time.Duration
	nextID    int
}

// ConfigMapContent is one ConfigMap as observed; Present is false when it does not exist
// (never created, or deleted).
type ConfigMapContent struct {
	// Name is the ConfigMap's name.
	Name string
	// Present says whether the ConfigMap exists.
	Present bool
	// Data is the ConfigMap's data.
	Data map[string]string
}

// DynamicUpdate reports the effect of applying a saturation, scale-to-zero or service class
// ConfigMap, for the "Updated … config" log line.
type DynamicUpdate struct {
	// ConfigMap is the ConfigMap now in force; empty means built-in defaults (none exists).
	ConfigMap string
	// OldEntries and NewEntries count the entries in force before and after.
	OldEntries int
	// NewEntries counts the entries in force after the update.
	NewEntries int
	// Changed says whether the configuration in force changed at all.
	Changed bool
	// Skipped lists invalid entries that were left out; the other entries applied.
	Skipped []*EntryError
}

// NewStore starts a Store from a loaded Config.
func NewStore(cfg Config) *Store {
	return &Store{cfg: cfg, changes: map[int]chan struct{}{}, intervals: map[int]chan time.Duration{}}
}

// Current returns a copy of the configuration in force.
func (s *Store) Current() Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg
}

// Interval returns the decision cycle period in force.
func (s *Store) Interval() time.Duration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg.Dynamic.OptimizationInterval
}

// SaturationFor returns the saturation thresholds in force for one model.
func (s *Store) SaturationFor(modelID, namespace string) decision.SaturationConfig {
	return s.Current().SaturationFor(modelID, namespace)
}

// ZeroFor returns the scale-to-zero policy in force for one model.
func (s *Store) ZeroFor(modelID, namespace string) decision.ZeroConfig {
	return s.Current().ZeroFor(modelID, namespace)
}

// ServiceClassesFor returns the service classes in force for one model.
func (s *Store) ServiceClassesFor(modelID string) []decision.ServiceClass {
	return s.Current().ServiceClassesFor(modelID)
}

// PriorFor returns the performance prior in force for a model's variant on an accelerator.
func (s *Store) PriorFor(modelID, accelerator string) (PerformancePrior, bool) {
	return s.Current().PriorFor(modelID, accelerator)
}

// ApplyPerformancePriors replaces the HYBRID mode's priors. Without the ConfigMap there
// are none: every variant learns from its first window (or a sibling's parameters).
func (s *Store) ApplyPerformancePriors(cm ConfigMapContent) DynamicUpdate {
	var next PerformancePriorSettings
	var skipped []*EntryError
	if cm.Present {
		next, skipped = ParsePerformancePriors(cm.Name, cm.Data)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cfg.Dynamic.PerformancePriors
	s.cfg.Dynamic.PerformancePriors = next
	return s.dynamicUpdated(next.Source, old.Entries, next.Entries, !reflect.DeepEqual(old, next), skipped)
}

// SelectSaturation picks the saturation ConfigMap in force: the current name when it
// exists, else the legacy name, else none (Present false: built-in defaults).
func SelectSaturation(primary, legacy ConfigMapContent) ConfigMapContent {
	if primary.Present {
		return primary
	}
	if legacy.Present {
		return legacy
	}
	return ConfigMapContent{}
}

// ApplySaturation replaces the saturation settings from the current and legacy ConfigMaps
// (see SelectSaturation). Without either, the built-in defaults apply.
func (s *Store) ApplySaturation(primary, legacy ConfigMapContent) DynamicUpdate {
	src := SelectSaturation(primary, legacy)
	next := builtinSaturation()
	var skipped []*EntryError
	if src.Present {
		next, skipped = ParseSaturation(src.Name, src.Data)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cfg.Dynamic.Saturation
	s.cfg.Dynamic.Saturation = next
	return s.dynamicUpdated(next.Source, old.Entries, next.Entries, !reflect.DeepEqual(old, next), skipped)
}

// ApplyScaleToZero replaces the scale-to-zero settings. Without the ConfigMap, every model
// follows WVA_SCALE_TO_ZERO.
func (s *Store) ApplyScaleToZero(cm ConfigMapContent) DynamicUpdate {
	var next ScaleToZeroSettings
	var skipped []*EntryError
	if cm.Present {
		next, skipped = ParseScaleToZero(cm.Name, cm.Data)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cfg.Dynamic.ScaleToZero
	s.cfg.Dynamic.ScaleToZero = next
	return s.dynamicUpdated(next.Source, old.Entries, next.Entries, !reflect.DeepEqual(old, next), skipped)
}

// ApplyServiceClasses replaces the service classes. If the class list cannot be parsed at
// all, it returns the error and the previous classes stay in force.
func (s *Store) ApplyServiceClasses(cm ConfigMapContent) (DynamicUpdate, error) {
	var next []ServiceClass
	var skipped []*EntryError
	source := ""
	if cm.Present {
		var err error
		if next, skipped, err = ParseServiceClasses(cm.Name, cm.Data); err != nil {
			s.mu.RLock()
			defer s.mu.RUnlock()
			n := len(s.cfg.Dynamic.ServiceClasses)
			return DynamicUpdate{ConfigMap: cm.Name, OldEntries: n, NewEntries: n}, err
		}
		source = cm.Name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cfg.Dynamic.ServiceClasses
	s.cfg.Dynamic.ServiceClasses = next
	return s.dynamicUpdated(source, len(old), len(next), !reflect.DeepEqual(old, next), skipped), nil
}

// dynamicUpdated builds the report and wakes subscribers; the caller holds the lock.
func (s *Store) dynamicUpdated(source string, oldN, newN int, changed bool, skipped []*EntryError) DynamicUpdate {
	if changed {
		s.notify(false)
	}
	return DynamicUpdate{ConfigMap: source, OldEntries: oldN, NewEntries: newN, Changed: changed, Skipped: skipped}
}
