package contract

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// TestChartScaleToZeroFlagReachesUnnamedModels renders the chart with and without
// wva.scaleToZero=true and resolves the scale-to-zero policy of a model no entry names, as
// the manager would from the rendering: its WVA_SCALE_TO_ZERO and the rendered
// model-scale-to-zero-config. The shipped `default` entry must not outrank the flag
// (reference §6: model entry > default entry > WVA_SCALE_TO_ZERO).
func TestChartScaleToZeroFlagReachesUnnamedModels(t *testing.T) {
	for _, tc := range []struct {
		set  []string
		want bool
	}{
		{nil, false},
		{[]string{"wva.scaleToZero=true"}, true},
		{[]string{"wva.scaleToZero=false"}, false},
	} {
		t.Run(fmt.Sprint(tc.set), func(t *testing.T) {
			objs, err := renderChart(tc.set...)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := managerConfig(objs, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			settings, err := renderedScaleToZero(objs)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Dynamic.ScaleToZero = settings
			got := cfg.ZeroFor("any/unnamed-model", "team-a")
			if got.Enabled != tc.want {
				t.Errorf("--set %v: an unnamed model resolves scale to zero Enabled=%v, want %v (the rendered %s default entry sets enable_scale_to_zero: %s)",
					tc.set, got.Enabled, tc.want, config.ScaleToZeroConfigMapName, setOrNot(settings.Default.Enabled))
			}
			if got.RetentionPeriod.String() != "10m0s" {
				t.Errorf("--set %v: retention period %v, want the shipped 10m", tc.set, got.RetentionPeriod)
			}
		})
	}
}

// renderedScaleToZero parses the rendered scale-to-zero ConfigMap with the manager's parser;
// an entry it skips is an error.
func renderedScaleToZero(objs []*unstructured.Unstructured) (config.ScaleToZeroSettings, error) {
	u := harness.Find(objs, "ConfigMap", config.ScaleToZeroConfigMapName)
	if u == nil {
		return config.ScaleToZeroSettings{}, fmt.Errorf("the chart renders no ConfigMap %s", config.ScaleToZeroConfigMapName)
	}
	var cm corev1.ConfigMap
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cm); err != nil {
		return config.ScaleToZeroSettings{}, err
	}
	settings, skipped := config.ParseScaleToZero(cm.Name, cm.Data)
	if len(skipped) > 0 {
		return settings, fmt.Errorf("the manager skips entries of the rendered %s: %v", cm.Name, skipped)
	}
	return settings, nil
}

// setOrNot shows an optional entry field.
func setOrNot(b *bool) string {
	if b == nil {
		return "not set"
	}
	return fmt.Sprint(*b)
}
