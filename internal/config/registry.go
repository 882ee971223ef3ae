package config

import (
	"slices"
	"strings"
)

// source is a set of layers a key may be read from.
type source uint8

const (
	fromFlag source = 1 << iota
	fromEnv
	fromConfigMap
	everywhere = fromFlag | fromEnv | fromConfigMap
)

// keyDef describes one setting once, so that flags, environment, ConfigMap, defaults,
// validation, diffing and documentation can never disagree about it.
type keyDef struct {
	key     string
	usage   string
	defDoc  string // default as shown in --help when def depends on other keys
	def     func(c *Config) string
	sources source
	mutable bool
	isBool  bool
	secret  bool
	// redact, when set, hides the credential part of a value in messages.
	redact func(string) string
	// set parses v into c; v is "" only when no layer set the key and the default is empty.
	// Its error says what is expected; the caller adds key, value and source.
	set func(c *Config, v string) error
	// get renders the value in force canonically (so "1m" and "60s" compare equal).
	get func(c *Config) string
}

// flagName is the key in lower case with dashes: PROBE_ADDR → probe-addr.
func (k keyDef) flagName() string {
	return strings.ReplaceAll(strings.ToLower(k.key), "_", "-")
}

// display is a value as it may appear in messages: secrets are redacted.
func (k keyDef) display(v string) string {
	if k.secret && v != "" {
		return redacted
	}
	if k.redact != nil {
		return k.redact(v)
	}
	return v
}

// defaultDoc is the default as --help shows it.
func (k keyDef) defaultDoc() string {
	if k.defDoc != "" {
		return k.defDoc
	}
	if k.def == nil {
		return ""
	}
	return k.def(&Config{})
}

// keyDefs lists every setting, in resolution order: a key's default may depend only on keys
// listed before it. It is a function, not a variable, so the table cannot be modified.
func keyDefs() []keyDef {
	defs := [][]keyDef{bootstrapKeys(), prometheusKeys(), serverKeys(), featureKeys(), gatewayKeys(), writeKeys(), dynamicKeys()}
	var out []keyDef
	for _, d := range defs {
		out = append(out, d...)
	}
	return out
}

// keyByName finds a setting's definition.
func keyByName(key string) (keyDef, bool) {
	for _, k := range keyDefs() {
		if k.key == key {
			return k, true
		}
	}
	return keyDef{}, false
}

// IsMutable reports whether a key of the main ConfigMap takes effect at runtime. Every other
// known key is immutable: changing it at runtime is rejected until a restart.
func IsMutable(key string) bool {
	k, ok := keyByName(key)
	return ok && k.mutable
}

// KnownKeys lists every setting name, in documentation order.
func KnownKeys() []string {
	var out []string
	for _, k := range keyDefs() {
		out = append(out, k.key)
	}
	return out
}

// UnknownKeys returns the keys of a main ConfigMap that WVA does not read from a ConfigMap
// (typos, or settings that are flag- or environment-only), so they can be reported rather
// than silently ignored.
func UnknownKeys(data map[string]string) []string {
	read := map[string]bool{}
	for _, k := range keyDefs() {
		read[k.key] = k.sources&fromConfigMap != 0
	}
	var out []string
	for key := range data {
		if !read[key] {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}
