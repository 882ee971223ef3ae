package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// saturationField reads a threshold of a saturation configuration by its ConfigMap key.
func saturationField(c decision.SaturationConfig, key string) (float64, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, err
	}
	v, ok := m[key].(float64)
	if !ok {
		return 0, fmt.Errorf("the saturation configuration has no key %s (it has %v)", key, m)
	}
	return v, nil
}

// saturationDefault checks one threshold's default everywhere it is in force: the core's
// built-in configuration, the configuration with no saturation ConfigMap, and the shipped
// saturation ConfigMap; and that a ConfigMap entry under the key changes it.
func saturationDefault(key, value string) error {
	want, err := number(value)
	if err != nil {
		return err
	}
	core, err := saturationField(decision.DefaultSaturationConfig(), key)
	if err != nil {
		return err
	}
	cfg, err := loadDefaults()
	if err != nil {
		return err
	}
	loaded, err := saturationField(cfg.SaturationFor("any/model", "any"), key)
	if err != nil {
		return err
	}
	errs := []error{same("the core's default "+key, core, want), same("the default "+key+" with no ConfigMap", loaded, want)}
	if shipped, err := shippedConfigMap(config.SaturationConfigMapName); err != nil {
		errs = append(errs, err)
	} else if !strings.Contains(shipped.Data[config.DefaultEntryKey], key+": ") {
		errs = append(errs, fmt.Errorf("the shipped %s default entry does not set %s", config.SaturationConfigMapName, key))
	} else {
		settings, skipped := config.ParseSaturation(config.SaturationConfigMapName, shipped.Data)
		got, err := saturationField(settings.Default, key)
		errs = append(errs, err, errors.Join(skippedErrors(skipped)...), same("the shipped ConfigMap's "+key, got, want))
	}
	other := want * 0.9
	settings, skipped := config.ParseSaturation("test", map[string]string{config.DefaultEntryKey: fmt.Sprintf("%s: %v", key, other)})
	got, err := saturationField(settings.Default, key)
	return errors.Join(append(errs, err, errors.Join(skippedErrors(skipped)...), same(key+" set in the ConfigMap", got, other))...)
}

func skippedErrors(skipped []*config.EntryError) []error {
	out := make([]error, len(skipped))
	for i, e := range skipped {
		out[i] = e
	}
	return out
}

func decisionClauses() []clause {
	return []clause{
		{name: "v1 saturation defaults", doc: reference,
			texts: []string{"Defaults: `{}` {}, `{}` {}, `{}` {},\n`{}` {}. Across all replicas"},
			check: func(v []string) error {
				var errs []error
				for i := 0; i+1 < len(v); i += 2 {
					errs = append(errs, saturationDefault(v[i], v[i+1]))
				}
				return errors.Join(errs...)
			}},
		{name: "v2 saturation defaults", doc: reference,
			texts: []string{"`required = max(0, demand/{} − Σ(ready+pending) × capacity)` and\n`spare = max(0, Σready × capacity − demand/{})` with defaults {} and {}.\nRequired capacity"},
			check: func(v []string) error {
				var errs []error
				for i, key := range v[:2] {
					want, err := number(v[2+i])
					if err != nil {
						return err
					}
					got, err := saturationField(decision.DefaultSaturationConfig(), key)
					errs = append(errs, err, same("the core's default "+key, got, want))
				}
				return errors.Join(errs...)
			}},
		{name: "scale-to-zero keys, retention default and precedence", doc: reference,
			texts: []string{"- Scale to zero: ConfigMap `{}`, keys `{}` or per-model entries\n  with `{}`, `{}`, `{}` (default {}); precedence model\n  entry > `default` > env `{}` > off."},
			check: checkScaleToZero},
	}
}

// checkScaleToZero reads the reference's scale-to-zero ConfigMap with its own key names
// and checks the retention default and the precedence.
func checkScaleToZero(v []string) error {
	name, defKey, modelKey, enableKey, retentionKey, retention, envKey := v[0], v[1], v[2], v[3], v[4], v[5], v[6]
	want, err := duration(retention)
	if err != nil {
		return err
	}
	errs := []error{same("config.ScaleToZeroConfigMapName", config.ScaleToZeroConfigMapName, name),
		same("config.DefaultEntryKey", config.DefaultEntryKey, defKey),
		same("decision.DefaultRetentionPeriod", decision.DefaultRetentionPeriod, want),
		same("the env fallback", config.KeyScaleToZero, envKey)}
	data := map[string]string{
		defKey:  fmt.Sprintf("%s: false", enableKey),
		"llama": fmt.Sprintf("%s: meta/llama\n%s: true\n%s: 3m", modelKey, enableKey, retentionKey),
	}
	settings, skipped := config.ParseScaleToZero(name, data)
	errs = append(errs, skippedErrors(skipped)...)
	model := settings.For("meta/llama", "ns", false)
	other := settings.For("other/model", "ns", true)
	errs = append(errs, same("enabled by the model entry over default", model.Enabled, true),
		same("the model entry's retention", model.RetentionPeriod, 3*time.Minute),
		same("the default entry over the env fallback", other.Enabled, false),
		same("the retention period when no entry sets it", other.RetentionPeriod, want))
	none := config.ScaleToZeroSettings{}
	errs = append(errs, same("the env fallback with no ConfigMap", none.For("m", "ns", true).Enabled, true),
		same("off with neither", none.For("m", "ns", false).Enabled, false))
	env := baseEnv()
	env[envKey] = "true"
	cfg, err := load(nil, env, nil)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	shipped, err := shippedConfigMap(name)
	if err == nil && !strings.Contains(shipped.Data[defKey], retentionKey+": "+retention) {
		err = fmt.Errorf("the shipped %s default entry does not say %s: %s", name, retentionKey, retention)
	}
	errs = append(errs, err, same(envKey+"=true with no ConfigMap", cfg.ZeroFor("m", "ns").Enabled, true))
	// The shipped default entry must leave the env fallback in force for unnamed models.
	shippedSettings, skipped := config.ParseScaleToZero(name, shipped.Data)
	errs = append(errs, skippedErrors(skipped)...)
	cfg.Dynamic.ScaleToZero = shippedSettings
	return errors.Join(append(errs, same(envKey+"=true with config/manager's shipped "+name, cfg.ZeroFor("m", "ns").Enabled, true))...)
}
