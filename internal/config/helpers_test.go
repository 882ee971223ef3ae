package config

import (
	"errors"
	"strings"
	"testing"
)

// envOf turns a map into a LookupEnv.
func envOf(m map[string]string) LookupEnv {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// allExist is a file system where every path exists.
func allExist(string) bool { return true }

// existing is a file system holding exactly the given paths.
func existing(paths ...string) FileExists {
	return func(p string) bool {
		for _, q := range paths {
			if p == q {
				return true
			}
		}
		return false
	}
}

// baseEnv is the smallest valid environment: Prometheus to read from and /metrics to
// publish on (the default actuation publishes wva_desired_replicas there).
func baseEnv() map[string]string {
	return map[string]string{KeyPrometheusBaseURL: "https://prometheus:9090", KeyMetricsAddr: ":8443"}
}

// mustLoad loads or fails the test.
func mustLoad(t *testing.T, args []string, env, cm map[string]string) Config {
	t.Helper()
	cfg, err := Load(args, envOf(env), cm, allExist)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// keyErrors unpacks a joined error into its *KeyError parts.
func keyErrors(t *testing.T, err error) []*KeyError {
	t.Helper()
	var out []*KeyError
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var ke *KeyError
		if errors.As(e, &ke) {
			out = append(out, ke)
			return
		}
		t.Errorf("error is not a *KeyError: %v", e)
	}
	if err != nil {
		walk(err)
	}
	return out
}

// containsAll reports the first missing substring.
func containsAll(s string, subs ...string) (string, bool) {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return sub, false
		}
	}
	return "", true
}
