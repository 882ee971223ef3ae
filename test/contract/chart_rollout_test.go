package contract

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/workload-variant-autoscaler/wva/internal/config"
)

// staticChecksum is the checksum annotation the chart's Deployment rolls on.
const staticChecksum = "checksum/static-config"

// TestChartStaticExtraConfigRollsThePods checks that a helm upgrade changing a key of the
// main ConfigMap given through wva.extraConfig restarts the manager exactly when the manager
// cannot apply the change live: an immutable key (read at start-up only, a live change is
// rejected with ImmutableConfigChangeRejected) changes the Deployment's pod-template checksum,
// a mutable key does not.
func TestChartStaticExtraConfigRollsThePods(t *testing.T) {
	base := podChecksum(t)
	if base == "" {
		t.Fatalf("the chart's Deployment has no %s annotation", staticChecksum)
	}
	immutableKeys := []string{config.KeyScaleFromZeroInterval, config.KeyPrometheusAllowHTTPCredentials}
	var mutableKeys []string
	for _, k := range config.KnownKeys() {
		if config.IsMutable(k) && k != config.KeyGlobalOptInterval {
			mutableKeys = append(mutableKeys, k)
		}
	}
	if len(mutableKeys) == 0 {
		t.Fatal("WVA reports no mutable key but GLOBAL_OPT_INTERVAL: the key table is broken")
	}
	for _, k := range immutableKeys {
		if config.IsMutable(k) {
			t.Fatalf("%s is mutable: pick an immutable key for this test", k)
		}
		a := podChecksum(t, "wva.extraConfig."+k+"=a")
		b := podChecksum(t, "wva.extraConfig."+k+"=b")
		if a == base || a == b {
			t.Errorf("wva.extraConfig.%s (immutable) does not change the %s annotation: a helm upgrade leaves the manager on the old value", k, staticChecksum)
		}
	}
	for _, k := range mutableKeys {
		if got := podChecksum(t, "wva.extraConfig."+k+"=a"); got != base {
			t.Errorf("wva.extraConfig.%s (mutable) changes the %s annotation: the pods restart for a live setting", k, staticChecksum)
		}
	}
	if got := podChecksum(t, "wva.optimizationInterval=5m"); got != base {
		t.Errorf("wva.optimizationInterval (%s, mutable) changes the %s annotation", config.KeyGlobalOptInterval, staticChecksum)
	}
}

// TestChartExtraConfigCannotDuplicateAChartValue checks that wva.extraConfig naming a key
// the chart renders from its own value fails the install naming that value, instead of
// rendering the key twice in the main ConfigMap.
func TestChartExtraConfigCannotDuplicateAChartValue(t *testing.T) {
	for key, value := range map[string]string{
		config.KeyGlobalOptInterval: "wva.optimizationInterval",
		config.KeyPrometheusBaseURL: "wva.prometheus.baseURL",
		config.KeyScaleToZero:       "wva.scaleToZero",
	} {
		_, err := renderChart("wva.extraConfig." + key + "=x")
		if err == nil || !strings.Contains(err.Error(), "wva.extraConfig."+key) || !strings.Contains(err.Error(), value) {
			t.Errorf("wva.extraConfig.%s: want an error naming it and %s, got %v", key, value, err)
		}
	}
}

// podChecksum renders the chart and returns its Deployment's static-config checksum.
func podChecksum(t *testing.T, set ...string) string {
	t.Helper()
	objs, err := renderChart(set...)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			v, _, _ := unstructured.NestedString(o.Object, "spec", "template", "metadata", "annotations", staticChecksum)
			return v
		}
	}
	t.Fatal("the chart renders no Deployment")
	return ""
}
