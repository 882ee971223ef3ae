package contract

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/config/watch"
)

// baseEnv is the least environment Load accepts and the only setting the guide requires:
// everything else keeps the guide's defaults (ACTUATION_MODE=metrics, METRICS_ADDR="0").
func baseEnv() map[string]string {
	return map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"}
}

// load resolves a configuration from flags, environment and main ConfigMap.
func load(args []string, env, cm map[string]string) (config.Config, error) {
	return config.Load(args, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}, cm, func(string) bool { return true })
}

// loadDefaults is the configuration with nothing set but the required URL.
func loadDefaults() (config.Config, error) { return load(nil, baseEnv(), nil) }

// envValues are valid values of the settings the guide lists as environment variables.
var envValues = map[string]string{
	config.KeyPrometheusBaseURL:               "https://env-prometheus:9090",
	config.KeyPrometheusTLSInsecureSkipVerify: "true",
	config.KeyPrometheusCACertPath:            "/etc/prometheus/ca.crt",
	config.KeyPrometheusClientCertPath:        "/etc/prometheus/tls.crt",
	config.KeyPrometheusClientKeyPath:         "/etc/prometheus/tls.key",
	config.KeyPrometheusServerName:            "prometheus.monitoring.svc",
	config.KeyPrometheusBearerToken:           "token-from-env",
	config.KeyConfigMapName:                   "my-custom-config",
	config.KeyPodNamespace:                    "my-namespace",
}

// readFromEnv checks that a setting named by the guide is read from the environment.
func readFromEnv(key string) error {
	v, ok := envValues[key]
	if !ok {
		return fmt.Errorf("WVA has no setting %s with a known test value (known settings: %s)", key, strings.Join(config.KnownKeys(), ", "))
	}
	env := baseEnv()
	env[key] = v
	if key == config.KeyPrometheusClientCertPath || key == config.KeyPrometheusClientKeyPath {
		env[config.KeyPrometheusClientCertPath] = envValues[config.KeyPrometheusClientCertPath]
		env[config.KeyPrometheusClientKeyPath] = envValues[config.KeyPrometheusClientKeyPath]
	}
	cfg, err := load(nil, env, nil)
	if err != nil {
		return fmt.Errorf("setting %s=%s in the environment: %w", key, v, err)
	}
	return same("the layer "+key+" is taken from", cfg.Origin(key), config.LayerEnv)
}

// immutable checks that a main ConfigMap key is known and needs a restart to change.
func immutable(key string) error {
	if !slices.Contains(config.KnownKeys(), key) {
		return fmt.Errorf("WVA has no setting %s", key)
	}
	if config.IsMutable(key) {
		return fmt.Errorf("%s changes at runtime, the guide says it needs a restart", key)
	}
	return nil
}

// mutable checks that a main ConfigMap key is known and applies at runtime.
func mutable(key string) error {
	if !slices.Contains(config.KnownKeys(), key) {
		return fmt.Errorf("WVA has no setting %s", key)
	}
	if !config.IsMutable(key) {
		return fmt.Errorf("%s needs a restart, the guide says it changes at runtime", key)
	}
	return nil
}

func configClauses(docs map[string]document) []clause {
	return []clause{
		{name: "GLOBAL_OPT_INTERVAL default", doc: guide,
			texts: []string{"- `GLOBAL_OPT_INTERVAL` - Optimization interval (default: `{}`)"},
			check: func(v []string) error {
				want, err := duration(v[0])
				if err != nil {
					return err
				}
				cfg, err := loadDefaults()
				if err != nil {
					return err
				}
				return errors.Join(
					same("the default optimization interval", cfg.Dynamic.OptimizationInterval, want),
					same("config.DefaultOptimizationInterval", config.DefaultOptimizationInterval, want),
					mutable(config.KeyGlobalOptInterval))
			}},
		{name: "GLOBAL_OPT_INTERVAL in the shipped main ConfigMap", doc: guide,
			texts: []string{"  # Mutable: Optimization interval (can be changed at runtime)\n  GLOBAL_OPT_INTERVAL: \"{}\""},
			check: func(v []string) error {
				cm, err := shippedConfigMap(config.DefaultConfigMapName)
				if err != nil {
					return err
				}
				return same("GLOBAL_OPT_INTERVAL in config/manager/configmaps.yaml", cm.Data[config.KeyGlobalOptInterval], v[0])
			}},
		{name: "METRICS_ADDR default disables the endpoint", doc: guide,
			texts: []string{"# Default: \"{}\" (disabled)"},
			check: func(v []string) error {
				cfg, err := loadDefaults()
				if err != nil {
					return err
				}
				return errors.Join(same("the default METRICS_ADDR", cfg.Static.MetricsAddr, v[0]),
					same("the address that disables a listener", config.DisabledAddr, v[0]))
			}},
		{name: "precedence example: flag over environment over ConfigMap", doc: guide,
			texts: []string{"--{}=\"{}\"\n\n# Environment variable", "export {}=\"{}\"", "  {}: \"{}\"\n\n# Default"},
			check: func(v []string) error {
				flagName, flagV, envKey, envV, cmKey, cmV := v[0], v[1], v[2], v[3], v[4], v[5]
				if envKey != cmKey || strings.ReplaceAll(strings.ToLower(envKey), "_", "-") != flagName {
					return fmt.Errorf("flag %s, env %s and ConfigMap key %s are not one setting", flagName, envKey, cmKey)
				}
				cm := map[string]string{cmKey: cmV}
				env := baseEnv()
				layered := func(args []string, env map[string]string) string {
					cfg, err := load(args, env, cm)
					if err != nil {
						return "error: " + err.Error()
					}
					return cfg.Static.MetricsAddr
				}
				got := layered(nil, env)
				env[envKey] = envV
				gotEnv := layered(nil, env)
				gotFlag := layered([]string{"--" + flagName + "=" + flagV}, env)
				return errors.Join(same("METRICS_ADDR from the ConfigMap alone", got, cmV),
					same("METRICS_ADDR from environment over ConfigMap", gotEnv, envV),
					same("METRICS_ADDR from flag over environment", gotFlag, flagV))
			}},
		{name: "CLI flags of the guide", doc: guide,
			texts: []string{"  --{}=\"{}\" \\\n  --{}=\"{}\" \\\n  --{} \\\n  --{}=\"{}\""},
			check: func(v []string) error {
				args := []string{"--" + v[0] + "=" + v[1], "--" + v[2] + "=" + v[3], "--" + v[4], "--" + v[5] + "=" + v[6]}
				cfg, err := load(args, baseEnv(), nil)
				if err != nil {
					return fmt.Errorf("the guide's flags %q are not accepted: %w", args, err)
				}
				s := cfg.Static
				return errors.Join(same("--"+v[0], s.MetricsAddr, v[1]), same("--"+v[2], s.ProbeAddr, v[3]),
					same("--"+v[4], s.LeaderElection.Enabled, true), same("--"+v[5], s.LeaderElection.ID, v[6]))
			}},
		{name: "controller namespace", doc: guide,
			texts: []string{"3. **ConfigMap** (in `{}` namespace)"},
			check: func(v []string) error {
				cfg, err := loadDefaults()
				if err != nil {
					return err
				}
				return errors.Join(same("the default POD_NAMESPACE", cfg.Static.Namespace, v[0]),
					same("config.DefaultNamespace", config.DefaultNamespace, v[0]))
			}},
		{name: "main ConfigMap name", doc: guide,
			texts: []string{"The main configuration ConfigMap (`{}`) supports both static and dynamic settings"},
			check: func(v []string) error {
				cfg, err := loadDefaults()
				if err != nil {
					return err
				}
				ns, name, err := config.MainConfigMapRef(nil, func(string) (string, bool) { return "", false })
				if err != nil {
					return err
				}
				shipped, err := shippedConfigMap(v[0])
				if err != nil {
					return err
				}
				return errors.Join(same("the default CONFIG_MAP_NAME", cfg.Static.ConfigMapName, v[0]),
					same("the main ConfigMap WVA reads", name, v[0]),
					same("the namespace of the shipped main ConfigMap", shipped.Metadata.Namespace, ns))
			}},
		{name: "saturation ConfigMap name", doc: guide,
			texts: []string{"- Saturation scaling configuration (via `{}` ConfigMap)"},
			check: func(v []string) error {
				_, err := shippedConfigMap(v[0])
				return errors.Join(same("config.SaturationConfigMapName", config.SaturationConfigMapName, v[0]), err)
			}},
		{name: "legacy saturation ConfigMap name", doc: guide,
			texts: []string{"- **Configuration**: Uses `{}` ConfigMap"},
			check: func(v []string) error {
				legacy := config.ConfigMapContent{Name: v[0], Present: true}
				got := config.SelectSaturation(config.ConfigMapContent{Name: config.SaturationConfigMapName}, legacy)
				return errors.Join(same("config.LegacySaturationConfigMapName", config.LegacySaturationConfigMapName, v[0]),
					same("the saturation ConfigMap read when only the legacy one exists", got.Name, v[0]))
			}},
		{name: "scale-to-zero ConfigMap name", doc: guide,
			texts: []string{"- Scale-to-zero configuration (via `{}` ConfigMap)"},
			check: func(v []string) error {
				_, err := shippedConfigMap(v[0])
				return errors.Join(same("config.ScaleToZeroConfigMapName", config.ScaleToZeroConfigMapName, v[0]), err)
			}},
		{name: "service class ConfigMap example", doc: guide,
			texts: []string{"  name: {}\n  namespace: {}\ndata:\n  {}: |\n    - name: Premium"},
			check: func(v []string) error {
				block, err := docs[guide].yamlBlock("serviceClasses:")
				if err != nil {
					return err
				}
				return serviceClassExample(v, block)
			}},
		{name: "immutable parameters", doc: guide,
			texts: []string{"- `{}` - Prometheus connection endpoint\n- `{}` - Metrics bind address\n- `{}` - Health probe bind address\n- `{}` - Leader election coordination ID"},
			check: func(v []string) error {
				var errs []error
				for _, key := range append(v, config.KeyWebhookCertPath, config.KeyMetricsCertPath) {
					errs = append(errs, immutable(key))
				}
				return errors.Join(errs...)
			}},
		{name: "feature flags are immutable", doc: guide,
			texts: []string{"  # Immutable: Feature flags (require restart if changed)\n  {}: \"true\"\n  {}: \"false\""},
			check: func(v []string) error { return errors.Join(immutable(v[0]), immutable(v[1])) }},
		{name: "Prometheus cache settings are mutable", doc: guide,
			texts: []string{"- {} cache settings\n\n**Example - Runtime"},
			check: func(v []string) error {
				var errs []error
				for _, key := range config.KnownKeys() {
					if strings.HasPrefix(key, strings.ToUpper(v[0])+"_CACHE_") {
						errs = append(errs, mutable(key))
					}
				}
				return errors.Join(errs...)
			}},
		{name: "main ConfigMap example loads", doc: guide,
			texts: []string{"  GLOBAL_OPT_INTERVAL: \"{}\"\n  \n  # Immutable: Prometheus connection"},
			check: func(v []string) error {
				block, err := docs[guide].yamlBlock("# Immutable: Feature flags")
				if err != nil {
					return err
				}
				return mainConfigMapExample(v[0], block)
			}},
		{name: "immutable change is rejected with an event", doc: guide,
			texts: []string{"  PROMETHEUS_BASE_URL: \"{}\"  # Requires restart", "--field-selector reason={}\n", "grep \"{}\"\n```\n\n#### Mutable"},
			check: func(v []string) error {
				return errors.Join(immutableChange(v[0]),
					same("the event reason of a rejected change", watch.ReasonImmutableConfigChangeRejected, v[1]),
					same("the log message of a rejected change", watch.LogImmutableRejected, v[2]))
			}},
		{name: "runtime interval change applies", doc: guide,
			texts: []string{"  GLOBAL_OPT_INTERVAL: \"{}\"  # Applied immediately"},
			check: func(v []string) error { return runtimeIntervalChange(v[0]) }},
		{name: "configuration update log lines", doc: guide,
			texts: []string{"# \"{}\" old=60s new=120s", "# \"{}\" oldEntries=2 newEntries=3"},
			check: func(v []string) error {
				return errors.Join(same("the interval update log message", watch.LogIntervalUpdated, v[0]),
					same("the saturation update log message", watch.LogSaturationUpdated, v[1]))
			}},
		{name: "configuration reloads match the documented grep", doc: guide,
			texts: []string{"  grep \"{}\"\n\n# Example output:"},
			check: func(v []string) error {
				re, err := regexp.Compile(v[0])
				if err != nil {
					return fmt.Errorf("the guide's grep pattern %q: %w", v[0], err)
				}
				var errs []error
				for what, msg := range map[string]string{
					"saturation ConfigMap": watch.LogSaturationUpdated, "scale-to-zero ConfigMap": watch.LogScaleToZeroUpdated,
					"service class ConfigMap": watch.LogServiceClassUpdated, "performance prior ConfigMap": watch.LogPerformancePriorUpdated,
					"main ConfigMap's mutable keys": watch.LogMainKeyUpdated,
				} {
					if !re.MatchString(msg) {
						errs = append(errs, fmt.Errorf("the reload log message of the %s %q does not match grep %q", what, msg, v[0]))
					}
				}
				return errors.Join(errs...)
			}},
		{name: "PROMETHEUS_BASE_URL is required", doc: guide,
			texts: []string{"- `{}` - Must be set via environment variable or ConfigMap"},
			check: func(v []string) error {
				env := baseEnv()
				delete(env, v[0])
				_, err := load(nil, env, nil)
				if err == nil || !strings.Contains(err.Error(), v[0]) || !config.IsInvalid(err) {
					return fmt.Errorf("loading without %s gave %v, want a configuration error naming it", v[0], err)
				}
				if _, err := load(nil, env, map[string]string{v[0]: "https://prometheus:9090"}); err != nil {
					return fmt.Errorf("%s from the ConfigMap alone: %w", v[0], err)
				}
				return nil
			}},
		{name: "Prometheus environment variables", doc: guide,
			texts: []string{"- `{}`: Prometheus server URL (required for metrics collection)\n- `{}`: Skip TLS verification (development only)\n" +
				"- `{}`: CA certificate path for TLS\n- `{}`: Client certificate for mutual TLS\n- `{}`: Client key for mutual TLS\n" +
				"- `{}`: Expected server name in TLS certificate\n- `{}`: Bearer token for authentication"},
			check: func(v []string) error {
				var errs []error
				for _, key := range v {
					errs = append(errs, readFromEnv(key))
				}
				return errors.Join(errs...)
			}},
		{name: "ConfigMap name and namespace from the environment", doc: guide,
			texts: []string{"- `{}`: ConfigMap name (default: auto-generated from Helm release)\n- `{}`: Controller namespace"},
			check: func(v []string) error {
				env := map[string]string{v[0]: envValues[config.KeyConfigMapName], v[1]: envValues[config.KeyPodNamespace]}
				ns, name, err := config.MainConfigMapRef(nil, func(k string) (string, bool) { x, ok := env[k]; return x, ok })
				if err != nil {
					return err
				}
				return errors.Join(readFromEnv(v[0]), readFromEnv(v[1]),
					same("the main ConfigMap name read from "+v[0], name, env[v[0]]),
					same("the namespace read from "+v[1], ns, env[v[1]]))
			}},
		{name: "EXPERIMENTAL_PROACTIVE_MODEL selects the mode, off by default", doc: guide,
			texts: []string{"# Or explicitly set:\nenv:\n  - name: {}\n    value: \"{}\"", "  - name: {}\n    value: \"{}\"\n```\n\n**Recommendation"},
			check: func(v []string) error {
				if v[0] != v[2] || v[0] != config.KeyProactiveModel {
					return fmt.Errorf("the guide's variables %s and %s, the code's %s", v[0], v[2], config.KeyProactiveModel)
				}
				def, err := loadDefaults()
				if err != nil {
					return err
				}
				env := baseEnv()
				env[v[2]] = v[3]
				on, err := load(nil, env, nil)
				if err != nil {
					return err
				}
				return errors.Join(same("the default of "+v[0], fmt.Sprint(def.Static.Features.ProactiveModel), v[1]),
					same(v[0]+"="+v[3], fmt.Sprint(on.Static.Features.ProactiveModel), v[3]))
			}},
	}
}

// serviceClassExample checks the guide's serviceclass ConfigMap: its name, namespace and
// key are WVA's, and every class reads with the guide's field names and values.
func serviceClassExample(v []string, block string) error {
	name, ns, key := v[0], v[1], v[2]
	var cm configMapYAML
	if err := yaml.Unmarshal([]byte(block), &cm); err != nil {
		return fmt.Errorf("the guide's serviceclass ConfigMap does not parse: %w", err)
	}
	classes, skipped, err := config.ParseServiceClasses(name, cm.Data)
	if err != nil || len(skipped) > 0 {
		return fmt.Errorf("the guide's service classes are not read: %v %v", err, skipped)
	}
	var raw []map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data[key]), &raw); err != nil {
		return err
	}
	var errs []error
	errs = append(errs, same("config.ServiceClassConfigMapName", config.ServiceClassConfigMapName, name),
		same("the namespace of the serviceclass ConfigMap", config.DefaultNamespace, ns),
		same("config.ServiceClassesKey", config.ServiceClassesKey, key),
		same("the number of classes read", len(classes), len(raw)))
	for i := range min(len(classes), len(raw)) {
		got := map[string]any{"name": classes[i].Name, "model": classes[i].Model, "priority": float64(classes[i].Priority),
			"slo-itl": classes[i].SLOITL, "slo-ttw": classes[i].SLOTTW}
		for field, want := range raw[i] {
			errs = append(errs, same(fmt.Sprintf("class %d field %s", i, field), fmt.Sprint(got[field]), fmt.Sprint(want)))
		}
	}
	return errors.Join(errs...)
}

// mainConfigMapExample loads the guide's main ConfigMap example and checks that every key
// takes effect with the guide's value.
func mainConfigMapExample(interval, block string) error {
	var cm configMapYAML
	if err := yaml.Unmarshal([]byte(block), &cm); err != nil {
		return fmt.Errorf("the guide's main ConfigMap does not parse: %w", err)
	}
	cfg, err := load(nil, map[string]string{config.KeyActuationMode: string(config.ActuationDirect)}, cm.Data)
	if err != nil {
		return fmt.Errorf("the guide's main ConfigMap is not accepted: %w", err)
	}
	want, err := duration(interval)
	if err != nil {
		return err
	}
	for key := range cm.Data {
		if cfg.Origin(key) != config.LayerConfigMap {
			err = errors.Join(err, fmt.Errorf("%s from the guide's main ConfigMap is not taken (origin %s)", key, cfg.Origin(key)))
		}
	}
	return errors.Join(err,
		same("the name of the guide's main ConfigMap", cm.Metadata.Name, config.DefaultConfigMapName),
		same("the interval", cfg.Dynamic.OptimizationInterval, want),
		same("PROMETHEUS_BASE_URL", cfg.Static.Prometheus.BaseURL, cm.Data[config.KeyPrometheusBaseURL]),
		same("WVA_SCALE_TO_ZERO", fmt.Sprint(cfg.Static.Features.ScaleToZero), cm.Data[config.KeyScaleToZero]),
		same("WVA_LIMITED_MODE", fmt.Sprint(cfg.Static.Features.LimitedMode), cm.Data[config.KeyLimitedMode]))
}

// immutableChange applies the guide's rejected ConfigMap change to a running
// configuration: it must be rejected and the running value kept.
func immutableChange(newURL string) error {
	cm := map[string]string{config.KeyPrometheusBaseURL: "https://prometheus:9090"}
	cfg, err := load(nil, map[string]string{config.KeyActuationMode: string(config.ActuationDirect)}, cm)
	if err != nil {
		return err
	}
	store := config.NewStore(cfg)
	upd, _ := store.ApplyMain(config.ConfigMapContent{Name: config.DefaultConfigMapName, Present: true,
		Data: map[string]string{config.KeyPrometheusBaseURL: newURL}})
	return errors.Join(same("the keys rejected", strings.Join(upd.RejectedKeys(), ","), config.KeyPrometheusBaseURL),
		same("PROMETHEUS_BASE_URL after the rejected change", store.Current().Static.Prometheus.BaseURL, cm[config.KeyPrometheusBaseURL]))
}

// runtimeIntervalChange applies the guide's interval change at runtime.
func runtimeIntervalChange(value string) error {
	want, err := duration(value)
	if err != nil {
		return err
	}
	cfg, err := loadDefaults()
	if err != nil {
		return err
	}
	store := config.NewStore(cfg)
	if _, err := store.ApplyMain(config.ConfigMapContent{Name: config.DefaultConfigMapName, Present: true,
		Data: map[string]string{config.KeyGlobalOptInterval: value}}); err != nil {
		return err
	}
	return same("the interval after the ConfigMap change", store.Interval(), want)
}
