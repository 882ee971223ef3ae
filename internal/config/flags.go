package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagValue records a flag's raw text; the precedence logic parses it like any other layer.
type flagValue struct {
	value  string
	isBool bool
}

// String returns the raw text given on the command line.
func (f *flagValue) String() string {
	if f == nil {
		return ""
	}
	return f.value
}

// Set records the raw text.
func (f *flagValue) Set(s string) error {
	f.value = s
	return nil
}

// IsBoolFlag lets "--enable-leader-election" stand for "--enable-leader-election=true".
func (f *flagValue) IsBoolFlag() bool { return f.isBool }

// NewFlagSet defines one flag per setting that may come from the command line, so that
// cmd/wva can show --help; Load parses the same definitions. Flags are named after the key in
// lower case with dashes (PROBE_ADDR → --probe-addr).
func NewFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, k := range keyDefs() {
		if k.sources&fromFlag == 0 {
			continue
		}
		fs.Var(&flagValue{isBool: k.isBool}, k.flagName(), usageOf(k))
	}
	fs.Usage = func() { PrintUsage(fs.Output(), name) }
	return fs
}

// usageOf is a flag's help text: what it does, its other names, its default.
func usageOf(k keyDef) string {
	var b strings.Builder
	b.WriteString(k.usage)
	b.WriteString(" (env " + k.key)
	if k.sources&fromConfigMap != 0 {
		b.WriteString(", ConfigMap key " + k.key)
	}
	if d := k.defaultDoc(); d != "" {
		b.WriteString("; default " + d)
	}
	if k.mutable {
		b.WriteString("; mutable at runtime")
	}
	b.WriteString(")")
	return b.String()
}

// PrintUsage writes --help: the precedence rule and every flag.
func PrintUsage(w io.Writer, name string) {
	fmt.Fprintf(w, "Usage of %s:\n", name)
	fmt.Fprintln(w, "Each setting is read from, highest first: CLI flag, environment variable, the main ConfigMap")
	fmt.Fprintf(w, "(%s by default, in POD_NAMESPACE), built-in default. See docs/configuration.md.\n", DefaultConfigMapName)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, k := range keyDefs() {
		if k.sources&fromFlag != 0 {
			fs.Var(&flagValue{isBool: k.isBool}, k.flagName(), usageOf(k))
		}
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "  %s\n    \t%s (environment only)\n", KeyPrometheusBearerToken, "bearer token for Prometheus, never printed")
}

// parseFlags returns the flags given explicitly, by key. A flag given as "" counts as not
// given, like an empty environment variable. --help yields an error wrapping flag.ErrHelp.
func parseFlags(args []string) (map[string]string, error) {
	fs := NewFlagSet("wva")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, fmt.Errorf("help requested: %w", err)
		}
		return nil, fmt.Errorf("%w: command line: %w", errInvalid, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: command line: unexpected arguments %q: every setting is a --flag=value",
			errInvalid, fs.Args())
	}
	byFlag := map[string]string{}
	for _, k := range keyDefs() {
		byFlag[k.flagName()] = k.key
	}
	out := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		if v := strings.TrimSpace(f.Value.String()); v != "" {
			out[byFlag[f.Name]] = v
		}
	})
	return out, nil
}
