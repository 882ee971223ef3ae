package actuator

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func gather(t *testing.T, m *Metrics) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			b.WriteString(mf.GetName())
			for _, l := range metric.GetLabel() {
				b.WriteString(" " + l.GetName() + "=" + l.GetValue())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestPublishSetsGaugesAndRatio(t *testing.T) {
	m := NewMetrics("", nil)
	v := Variant{Name: "llama-h100", Namespace: "llm", Accelerator: "H100"}
	m.Publish(v, 2, 3)
	if got := testutil.ToFloat64(m.desired.WithLabelValues("llama-h100", "llm", "H100")); got != 3 {
		t.Errorf("desired = %v, want 3", got)
	}
	if got := testutil.ToFloat64(m.ratio.WithLabelValues("llama-h100", "llm", "H100")); got != 1.5 {
		t.Errorf("ratio = %v, want 1.5", got)
	}
	m.Publish(v, 0, 1)
	if got := testutil.ToFloat64(m.ratio.WithLabelValues("llama-h100", "llm", "H100")); got != 1 {
		t.Errorf("ratio at zero current = %v, want desired (1)", got)
	}
}

func TestForgetRemovesEverySeriesOfTheVariantOnly(t *testing.T) {
	m := NewMetrics("", nil)
	a := Variant{Name: "a", Namespace: "ns", Accelerator: "H100"}
	b := Variant{Name: "b", Namespace: "ns", Accelerator: "A100"}
	m.Publish(a, 1, 2)
	m.Publish(b, 1, 1)
	m.CountScaling(a, "up", "saturation-v1")
	m.Forget("a", "ns")
	out := gather(t, m)
	if strings.Contains(out, "variant_name=a ") {
		t.Errorf("series of a remain after Forget:\n%s", out)
	}
	if !strings.Contains(out, "wva_desired_replicas accelerator_type=A100 namespace=ns variant_name=b") {
		t.Errorf("series of b missing:\n%s", out)
	}
}

func TestAcceleratorChangeReplacesTheSeries(t *testing.T) {
	m := NewMetrics("", nil)
	m.Publish(Variant{Name: "a", Namespace: "ns", Accelerator: "unknown"}, 1, 1)
	m.Publish(Variant{Name: "a", Namespace: "ns", Accelerator: "H100"}, 1, 1)
	if n := testutil.CollectAndCount(m.desired); n != 1 {
		t.Fatalf("%d desired series after the accelerator changed, want 1:\n%s", n, gather(t, m))
	}
}

func TestInstanceLabelIsAddedWhenSet(t *testing.T) {
	m := NewMetrics("instance-a", nil)
	m.Publish(Variant{Name: "a", Namespace: "ns", Accelerator: "H100"}, 1, 1)
	m.CountScaling(Variant{Name: "a", Namespace: "ns", Accelerator: "H100"}, "down", "saturation-v1")
	out := gather(t, m)
	for _, name := range []string{MetricCurrentReplicas, MetricDesiredReplicas, MetricDesiredRatio, MetricScalingTotal} {
		if !strings.Contains(out, name+" accelerator_type=H100 controller_instance=instance-a") {
			t.Errorf("%s lacks controller_instance:\n%s", name, out)
		}
	}
	plain := NewMetrics("", nil)
	plain.Publish(Variant{Name: "a", Namespace: "ns", Accelerator: "H100"}, 1, 1)
	if out := gather(t, plain); !strings.Contains(out, "wva_desired_replicas") || strings.Contains(out, "controller_instance") {
		t.Error("controller_instance set without an instance")
	}
}

// A variant whose VA or target is gone gets no series: writes are refused and remove what
// was there, so nothing re-creates the series Forget removed.
func TestGoneVariantsGetNoSeries(t *testing.T) {
	gone := map[string]bool{}
	m := NewMetrics("", func(v Variant) bool { return !gone[v.Name] })
	a := Variant{Name: "a", Namespace: "ns", Accelerator: "H100", UID: "uid-a", Target: "a"}
	if !m.Publish(a, 1, 2) {
		t.Fatal("a live variant was not published")
	}
	m.CountScaling(a, "up", "saturation-v1")
	gone["a"] = true
	if m.Publish(a, 1, 3) {
		t.Error("a gone variant was published")
	}
	m.CountScaling(a, "up", "saturation-v1")
	if out := gather(t, m); strings.Contains(out, "variant_name=a") {
		t.Errorf("a gone variant has series:\n%s", out)
	}
}

// The exact time of a variant's last decision on usable signals is a gauge: set by
// PublishDecided, left alone by the safety net's Publish, gone with the variant.
func TestLastDecisionTimestamp(t *testing.T) {
	m := NewMetrics("", nil)
	v := Variant{Name: "a", Namespace: "ns", Accelerator: "H100"}
	at := time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)
	m.PublishDecided(v, 1, 2, at)
	m.Publish(v, 1, 2) // a later safety-net cycle
	if got := testutil.ToFloat64(m.lastDecision.WithLabelValues("a", "ns", "H100")); got != float64(at.Unix()) {
		t.Errorf("%s = %v, want %v", MetricLastDecision, got, at.Unix())
	}
	m.Forget("a", "ns")
	if out := gather(t, m); strings.Contains(out, MetricLastDecision) {
		t.Errorf("%s remains after Forget:\n%s", MetricLastDecision, out)
	}
}
