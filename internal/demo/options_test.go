package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The actuation path is hpa unless --actuation says direct; anything else is refused
// before anything starts, naming the value.
func TestActuationDefaultsToHPAAndRejectsUnknownPaths(t *testing.T) {
	wva := filepath.Join(t.TempDir(), "wva")
	if err := os.WriteFile(wva, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	base := Options{WVABin: wva, ReportDir: t.TempDir()}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{"": ActuationHPA, ActuationHPA: ActuationHPA, ActuationDirect: ActuationDirect} {
		o := base
		o.Actuation = in
		got, err := o.withDefaults(now)
		if err != nil || got.Actuation != want {
			t.Errorf("actuation %q: got %q, %v; want %q", in, got.Actuation, err, want)
		}
	}
	o := base
	o.Actuation = "keda"
	if _, err := o.withDefaults(now); err == nil || !strings.Contains(err.Error(), `"keda"`) {
		t.Errorf("actuation keda: %v, want an error naming the value", err)
	}
}

// The mode is CAPACITY-ONLY unless --mode says hybrid, which turns on
// EXPERIMENTAL_PROACTIVE_MODEL in WVA's main ConfigMap; anything else is refused.
func TestModeDefaultsToCapacityOnlyAndHybridTurnsOnTheProactiveModel(t *testing.T) {
	wva := filepath.Join(t.TempDir(), "wva")
	if err := os.WriteFile(wva, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	base := Options{WVABin: wva, ReportDir: t.TempDir()}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{"": "false", ModeCapacityOnly: "false", ModeHybrid: "true"} {
		o := base
		o.Mode = in
		got, err := o.withDefaults(now)
		if err != nil {
			t.Fatalf("mode %q: %v", in, err)
		}
		if v := wvaSettings(got, "http://prometheus:9090")["EXPERIMENTAL_PROACTIVE_MODEL"]; v != want {
			t.Errorf("mode %q: EXPERIMENTAL_PROACTIVE_MODEL=%q, want %q", in, v, want)
		}
	}
	o := base
	o.Mode = "proactive"
	if _, err := o.withDefaults(now); err == nil || !strings.Contains(err.Error(), `"proactive"`) || !strings.Contains(err.Error(), ModeHybrid) {
		t.Errorf("mode proactive: %v, want an error naming the value and the choices", err)
	}
}
