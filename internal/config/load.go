package config

import (
	"errors"
	"maps"
	"os"
	"strings"
)

// LookupEnv looks a variable up the way os.LookupEnv does. Load takes it as a parameter so
// that the environment is read in one place (cmd/wva) and tests need no process state.
type LookupEnv func(key string) (string, bool)

// FileExists reports whether a path exists; Load uses it to check certificate paths.
type FileExists func(path string) bool

// OSFileExists checks the real file system; it is what cmd/wva passes to Load.
func OSFileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Load resolves the configuration from the command line (args without the program name,
// i.e. os.Args[1:]), the environment and the main ConfigMap's data (nil when it does not
// exist), with the precedence flag > environment > ConfigMap > default for every key, and
// validates it. Empty values count as unset in every layer. On failure it returns every
// problem at once (errors.Join of *KeyError, one per problem) and no Config; on --help it
// returns an error wrapping flag.ErrHelp. The dynamic ConfigMaps (saturation, scale-to-zero,
// service classes) are not inputs: their built-in defaults are in force until a Store
// applies them. A nil exists checks the real file system.
func Load(args []string, env LookupEnv, mainConfigMap map[string]string, exists FileExists) (Config, error) {
	flags, err := parseFlags(args)
	if err != nil {
		return Config{}, err
	}
	if exists == nil {
		exists = OSFileExists
	}
	envVals := readEnv(env)
	cm := trimmed(mainConfigMap)
	cfg := Config{layers: &layers{flags: flags, env: envVals, configMap: cm}}
	errs := resolveKeys(&cfg, keyDefs())
	for _, k := range keyDefs() {
		if k.secret {
			delete(cfg.layers.env, k.key) // in force in cfg.Static; not kept as raw text
		}
	}
	errs = append(errs, validate(cfg, mainConfigMap, exists)...)
	if len(errs) > 0 {
		return Config{}, errors.Join(sortErrors(errs)...)
	}
	cfg.Dynamic.Saturation = builtinSaturation()
	return cfg, nil
}

// MainConfigMapRef resolves only where the main ConfigMap lives (namespace and name), so
// cmd/wva can read it before calling Load.
func MainConfigMapRef(args []string, env LookupEnv) (namespace, name string, err error) {
	flags, err := parseFlags(args)
	if err != nil {
		return "", "", err
	}
	cfg := Config{layers: &layers{flags: flags, env: readEnv(env)}}
	if errs := resolveKeys(&cfg, bootstrapKeys()); len(errs) > 0 {
		return "", "", errors.Join(errs...)
	}
	return cfg.Static.Namespace, cfg.Static.ConfigMapName, nil
}

// readEnv takes the non-empty environment values of the known keys.
func readEnv(env LookupEnv) map[string]string {
	out := map[string]string{}
	if env == nil {
		return out
	}
	for _, k := range keyDefs() {
		if v, ok := env(k.key); ok && strings.TrimSpace(v) != "" {
			out[k.key] = strings.TrimSpace(v)
		}
	}
	return out
}

// trimmed copies ConfigMap data with values trimmed (YAML block scalars end in newlines).
func trimmed(data map[string]string) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		if v = strings.TrimSpace(v); v != "" {
			out[k] = v
		}
	}
	return out
}

// pick returns a key's winning value and the layer it came from.
func pick(k keyDef, l *layers) (string, Layer) {
	if v, ok := l.flags[k.key]; ok && k.sources&fromFlag != 0 {
		return v, LayerFlag
	}
	if v, ok := l.env[k.key]; ok && k.sources&fromEnv != 0 {
		return v, LayerEnv
	}
	if v, ok := l.configMap[k.key]; ok && k.sources&fromConfigMap != 0 {
		return v, LayerConfigMap
	}
	return "", LayerDefault
}

// resolveKeys sets each key of defs on c from c.layers, in order, and returns one
// *KeyError per value that does not parse. It gives c new layers with new origins, so a
// Config it was copied from is not affected.
func resolveKeys(c *Config, defs []keyDef) []error {
	l := layers{}
	if c.layers != nil {
		l = *c.layers
	}
	origins := maps.Clone(l.origins)
	if origins == nil {
		origins = map[string]Layer{}
	}
	l.origins = origins
	c.layers = &l
	var errs []error
	for _, k := range defs {
		v, layer := pick(k, c.layers)
		if layer == LayerDefault && k.def != nil {
			v = k.def(c)
		}
		origins[k.key] = layer
		if err := k.set(c, v); err != nil {
			errs = append(errs, &KeyError{Key: k.key, Value: k.display(v), Source: describe(k, layer, c), Problem: err.Error()})
		}
	}
	return errs
}

// describe names where a value came from, as error messages show it.
func describe(k keyDef, l Layer, c *Config) string {
	switch l {
	case LayerFlag:
		return "flag --" + k.flagName()
	case LayerConfigMap:
		return "ConfigMap " + c.Static.ConfigMapName
	default:
		return l.String()
	}
}
