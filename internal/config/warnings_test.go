package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestMetricsActuationWithoutListeners checks that the guide's defaults (only
// PROMETHEUS_BASE_URL set: ACTUATION_MODE=metrics, METRICS_ADDR="0") start, and that a
// start-up warning names both listeners and the fix exactly when neither publishes
// wva_desired_replicas.
func TestMetricsActuationWithoutListeners(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string // merged over baseEnv; "" deletes
		warn bool
	}{
		{name: "guide defaults", env: map[string]string{KeyMetricsAddr: ""}, warn: true},
		{name: "METRICS_ADDR=0 set", env: map[string]string{KeyMetricsAddr: "0"}, warn: true},
		{name: "external metrics API only", env: map[string]string{KeyMetricsAddr: "0", KeyExternalMetricsAddr: ":6443"}},
		{name: "metrics endpoint only", env: map[string]string{KeyMetricsAddr: ":8443"}},
		{name: "direct actuation", env: map[string]string{KeyMetricsAddr: "0", KeyActuationMode: "direct"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv()
			for k, v := range tc.env {
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			cfg, err := Load(nil, envOf(env), nil, allExist)
			if err != nil {
				t.Fatalf("Load failed, want the controller to start: %v", err)
			}
			ws := StartupWarnings(cfg)
			if !tc.warn {
				if len(ws) != 0 {
					t.Errorf("StartupWarnings = %+v, want none", ws)
				}
				return
			}
			if len(ws) != 1 {
				t.Fatalf("StartupWarnings = %+v, want one warning", ws)
			}
			if ws[0].Message != LogNoDesiredReplicasEndpoint {
				t.Errorf("message %q, want the constant %q", ws[0].Message, LogNoDesiredReplicasEndpoint)
			}
			kv := fmt.Sprint(ws[0].KeysAndValues...)
			for _, want := range []string{KeyMetricsAddr, KeyExternalMetricsAddr, KeyActuationMode, "wva_desired_replicas", "direct"} {
				if !strings.Contains(kv, want) && !strings.Contains(ws[0].Message, want) {
					t.Errorf("warning %q %v does not mention %s", ws[0].Message, ws[0].KeysAndValues, want)
				}
			}
		})
	}
}
