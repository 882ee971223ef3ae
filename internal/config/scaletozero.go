package config

import (
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/yaml"
)

// zeroEntryYAML is one data value of the scale-to-zero ConfigMap as written.
type zeroEntryYAML struct {
	ModelID         string  `json:"model_id,omitempty"`
	Namespace       string  `json:"namespace,omitempty"`
	Enabled         *bool   `json:"enable_scale_to_zero,omitempty"`
	RetentionPeriod *string `json:"retention_period,omitempty"`
}

// ParseScaleToZero reads the scale-to-zero ConfigMap's data: a "default" entry and per-model
// entries naming model_id (and optionally namespace), each with enable_scale_to_zero and
// retention_period (a positive Go duration). Fields an entry leaves out are inherited (see
// ScaleToZeroSettings.For). Invalid entries are skipped and reported; the rest apply.
func ParseScaleToZero(configMap string, data map[string]string) (ScaleToZeroSettings, []*EntryError) {
	out := ScaleToZeroSettings{Source: configMap, Models: map[ModelKey]ZeroEntry{}}
	var skipped []*EntryError
	skip := func(key, rule string) {
		skipped = append(skipped, &EntryError{ConfigMap: configMap, Key: key, Rule: rule})
	}
	owner := map[ModelKey]string{}
	for _, key := range sortedKeys(data) {
		raw, entry, err := decodeZero(data[key])
		switch {
		case err != nil:
			skip(key, err.Error())
		case key == DefaultEntryKey && (raw.ModelID != "" || raw.Namespace != ""):
			skip(key, "the default entry applies to every model: remove model_id and namespace")
		case key == DefaultEntryKey:
			out.Default = entry
			out.Entries++
		case raw.ModelID == "":
			skip(key, "model_id is required in every entry but default")
		default:
			mk := ModelKey{ModelID: raw.ModelID, Namespace: raw.Namespace}
			if prev, dup := owner[mk]; dup {
				skip(key, fmt.Sprintf("entry %q already configures model_id %q namespace %q", prev, mk.ModelID, mk.Namespace))
				continue
			}
			owner[mk] = key
			out.Models[mk] = entry
			out.Entries++
		}
	}
	return out, skipped
}

// decodeZero parses and checks one entry.
func decodeZero(raw string) (zeroEntryYAML, ZeroEntry, error) {
	var y zeroEntryYAML
	if err := yaml.UnmarshalStrict([]byte(raw), &y); err != nil {
		return y, ZeroEntry{}, fmt.Errorf("expected a YAML mapping with model_id, namespace, enable_scale_to_zero "+
			"(true or false) and retention_period (e.g. 10m): %w", err)
	}
	e := ZeroEntry{Enabled: y.Enabled}
	if y.RetentionPeriod != nil {
		d, err := time.ParseDuration(*y.RetentionPeriod)
		if err != nil || d <= 0 {
			return y, ZeroEntry{}, errors.New("retention_period must be a positive Go duration such as 10m, got " +
				fmt.Sprintf("%q", *y.RetentionPeriod))
		}
		e.RetentionPeriod = &d
	}
	return y, e, nil
}
