package config

import (
	"errors"
	"fmt"
)

// Layer is where a value came from. Higher layers win.
type Layer int

const (
	// LayerDefault is the built-in default.
	LayerDefault Layer = iota
	// LayerConfigMap is the main ConfigMap.
	LayerConfigMap
	// LayerEnv is the process environment.
	LayerEnv
	// LayerFlag is the command line.
	LayerFlag
)

// String names the layer the way the docs do.
func (l Layer) String() string {
	switch l {
	case LayerFlag:
		return "flag"
	case LayerEnv:
		return "environment"
	case LayerConfigMap:
		return "ConfigMap"
	default:
		return "default"
	}
}

// errInvalid is wrapped by every configuration error, so callers can tell a configuration
// problem (exit 1, fix the manifest) from any other failure with IsInvalid.
var errInvalid = errors.New("invalid configuration")

// IsInvalid reports whether err is (or wraps) a configuration problem.
func IsInvalid(err error) bool { return errors.Is(err, errInvalid) }

// KeyError is one problem with one setting. Its message names the key, the value, where the
// value came from and what is expected, so the operator can fix it without reading code.
type KeyError struct {
	// Key is the setting, e.g. PROMETHEUS_BASE_URL.
	Key string
	// Value is the offending value ("[redacted]" for secrets); empty when missing.
	Value string
	// Source says where Value came from, e.g. "environment" or "flag --metrics-addr".
	Source string
	// Problem says what is wrong and what is expected.
	Problem string
}

// Error renders `KEY="value" (source): problem`, or `KEY problem` when no value was given.
func (e *KeyError) Error() string {
	if e.Value == "" && e.Source == "" {
		return e.Key + " " + e.Problem
	}
	return fmt.Sprintf("%s=%q (%s): %s", e.Key, e.Value, e.Source, e.Problem)
}

// Unwrap lets errors.Is(err, …) recognise a configuration problem.
func (e *KeyError) Unwrap() error { return errInvalid }

// EntryError is one skipped entry of a ConfigMap (saturation, scale-to-zero, service class).
// The rest of the ConfigMap still applies; this says which entry and which rule failed.
type EntryError struct {
	// ConfigMap is the ConfigMap's name.
	ConfigMap string
	// Key is the data key of the entry (or "serviceClasses[i]").
	Key string
	// Rule is the rule that failed, e.g. "kvCacheThreshold must be in (0, 1], got 1.5".
	Rule string
}

// Error renders `ConfigMap <name> entry "<key>" skipped: <rule>`.
func (e *EntryError) Error() string {
	return fmt.Sprintf("ConfigMap %s entry %q skipped: %s", e.ConfigMap, e.Key, e.Rule)
}

// Unwrap lets errors.Is(err, …) recognise a configuration problem.
func (e *EntryError) Unwrap() error { return errInvalid }

// documentError is a ConfigMap that could not be used at all; the previous content stays.
func documentError(configMap, key string, err error) error {
	return fmt.Errorf("ConfigMap %s key %q cannot be used, keeping the previous configuration: %w: %w",
		configMap, key, errInvalid, err)
}
