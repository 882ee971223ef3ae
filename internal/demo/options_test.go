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
