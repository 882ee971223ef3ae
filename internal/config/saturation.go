package config

import (
	"fmt"
	"slices"

	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// saturationEntry is one data value of the saturation ConfigMap: the thresholds plus, for
// an override, the model it applies to.
type saturationEntry struct {
	ModelID   string `json:"model_id,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	decision.SaturationConfig
}

// builtinSaturation is what is in force with no saturation ConfigMap: the defaults, never
// "no scaling".
func builtinSaturation() SaturationSettings {
	return SaturationSettings{Default: decision.DefaultSaturationConfig()}
}

// ParseSaturation reads the saturation ConfigMap's data. The "default" entry is merged over
// the built-in defaults; every other entry names model_id (and optionally namespace) and is
// merged over the default, so a partial override inherits the rest. Entries that are not
// valid YAML, have unknown fields, or break a rule of decision.SaturationConfig.Validate
// (the validator the core uses too) are skipped and reported (an invalid default falls back to the built-in one); the rest apply.
func ParseSaturation(configMap string, data map[string]string) (SaturationSettings, []*EntryError) {
	out := builtinSaturation()
	out.Source = configMap
	var skipped []*EntryError
	skip := func(key, rule string) {
		skipped = append(skipped, &EntryError{ConfigMap: configMap, Key: key, Rule: rule})
	}
	if raw, ok := data[DefaultEntryKey]; ok {
		e, err := decodeSaturation(raw, out.Default)
		switch {
		case err != nil:
			skip(DefaultEntryKey, err.Error())
		case e.ModelID != "" || e.Namespace != "":
			skip(DefaultEntryKey, "the default entry applies to every model: remove model_id and namespace")
		default:
			out.Default = e.SaturationConfig
			out.Entries++
		}
	}
	keys := sortedKeys(data)
	owner := map[ModelKey]string{}
	out.Overrides = map[ModelKey]decision.SaturationConfig{}
	for _, key := range keys {
		if key == DefaultEntryKey {
			continue
		}
		e, err := decodeSaturation(data[key], out.Default)
		if err != nil {
			skip(key, err.Error())
			continue
		}
		if e.ModelID == "" {
			skip(key, "model_id is required in every entry but default")
			continue
		}
		mk := ModelKey{ModelID: e.ModelID, Namespace: e.Namespace}
		if prev, dup := owner[mk]; dup {
			skip(key, fmt.Sprintf("entry %q already configures model_id %q namespace %q", prev, mk.ModelID, mk.Namespace))
			continue
		}
		owner[mk] = key
		out.Overrides[mk] = e.SaturationConfig
		out.Entries++
	}
	return out, skipped
}

// decodeSaturation parses one entry over base and validates the result.
func decodeSaturation(raw string, base decision.SaturationConfig) (saturationEntry, error) {
	e := saturationEntry{SaturationConfig: base}
	if err := yaml.UnmarshalStrict([]byte(raw), &e); err != nil {
		return e, fmt.Errorf("expected a YAML mapping of saturation fields (kvCacheThreshold, queueLengthThreshold, "+
			"kvSpareTrigger, queueSpareTrigger, analyzerVersion, scaleUpThreshold, scaleDownBoundary, scaleDownMinCoverage, "+
			"maxScaleUpStep, inFlightExpiryIntervals, model_id, namespace): %w", err)
	}
	// The core's own validator: an entry it would reject never reaches it.
	if err := e.Validate(); err != nil {
		return e, err
	}
	return e, nil
}

// sortedKeys returns a map's keys in order, so parsing is deterministic.
func sortedKeys(data map[string]string) []string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
