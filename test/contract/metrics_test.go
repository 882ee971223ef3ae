package contract

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/actuator"
)

// emitted publishes one variant through the actuator's real metrics (with a controller
// instance when instance is set) and gathers what /metrics would serve: each family's
// label names, and the value of one series per family.
func emitted(instance string, current, desired int) (labels map[string][]string, values map[string]float64, err error) {
	m := actuator.NewMetrics(instance, nil)
	v := actuator.Variant{Name: "llama-8b-h100", Namespace: "llm", Accelerator: "H100"}
	m.Publish(v, current, desired)
	m.CountScaling(v, "up", "saturation-v1")
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(prometheus.Collector(multi(m.Collectors()))); err != nil {
		return nil, nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, nil, err
	}
	labels, values = map[string][]string{}, map[string]float64{}
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			var names []string
			for _, l := range metric.GetLabel() {
				names = append(names, l.GetName())
			}
			slices.Sort(names)
			labels[mf.GetName()] = names
			switch {
			case metric.GetGauge() != nil:
				values[mf.GetName()] = metric.GetGauge().GetValue()
			case metric.GetCounter() != nil:
				values[mf.GetName()] = metric.GetCounter().GetValue()
			}
		}
	}
	return labels, values, nil
}

// multi registers several collectors as one.
type multi []prometheus.Collector

func (m multi) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m {
		c.Describe(ch)
	}
}

func (m multi) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m {
		c.Collect(ch)
	}
}

// sortedList turns "a, b" (with any backquotes) into a sorted list.
func sortedList(parts ...string) []string {
	var out []string
	for _, p := range parts {
		for _, f := range strings.Split(p, ",") {
			if f = strings.Trim(strings.TrimSpace(f), "`"); f != "" {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return out
}

// checkMetrics compares the emitted families and labels with the reference.
func checkMetrics(v []string) error {
	variantLabels := sortedList(v[0], v[1], v[2])
	instanceLabel := v[3]
	gauges := []string{v[4], v[5], v[6]}
	counter, counterLabels := v[7], sortedList(v[8])
	var errs []error
	for _, instance := range []string{"", "team-a"} {
		labels, _, err := emitted(instance, 2, 3)
		if err != nil {
			return err
		}
		extra := []string{}
		if instance != "" {
			extra = []string{instanceLabel}
		}
		want := map[string][]string{}
		for _, g := range gauges {
			want[g] = sortedList(append(slices.Clone(variantLabels), extra...)...)
		}
		want[counter] = sortedList(append(append(slices.Clone(variantLabels), counterLabels...), extra...)...)
		for name, w := range want {
			if !slices.Equal(labels[name], w) {
				errs = append(errs, fmt.Errorf("instance %q: %s has labels %v, the reference says %v", instance, name, labels[name], w))
			}
		}
		for name := range labels {
			if _, ok := want[name]; !ok {
				errs = append(errs, fmt.Errorf("instance %q: /metrics serves %s, which the reference does not name", instance, name))
			}
		}
	}
	_, values, err := emitted("", 2, 3)
	_, atZero, err2 := emitted("", 0, 3)
	return errors.Join(append(errs, err, err2,
		same(v[6]+" for current 2, desired 3", values[v[6]], 1.5),
		same(v[6]+" when current is 0", atZero[v[6]], 3.0))...)
}

// checkHPASample reads config/samples/hpa.yaml as the HPA it is.
func checkHPASample(v []string) error {
	data, err := repoFile("config/samples/hpa.yaml")
	if err != nil {
		return err
	}
	var hpa autoscalingv2.HorizontalPodAutoscaler
	if err := yaml.UnmarshalStrict(data, &hpa); err != nil {
		return fmt.Errorf("config/samples/hpa.yaml: %w", err)
	}
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].External == nil || hpa.Spec.Behavior == nil ||
		hpa.Spec.Behavior.ScaleUp == nil || hpa.Spec.Behavior.ScaleDown == nil {
		return fmt.Errorf("config/samples/hpa.yaml is not one external metric with scale-up and scale-down behaviour: %+v", hpa.Spec)
	}
	m := hpa.Spec.Metrics[0]
	target, _ := strconv.ParseInt(v[2], 10, 64)
	up, _ := strconv.ParseInt(v[3], 10, 32)
	down, _ := strconv.ParseInt(v[4], 10, 32)
	var short error
	if got := *hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds; int64(got) < down {
		short = fmt.Errorf("the sample's scale-down stabilisation is %d s, the reference recommends at least %d s", got, down)
	}
	return errors.Join(short, same("the sample's metric type", string(m.Type), v[0]),
		same("the sample's metric", m.External.Metric.Name, actuator.MetricDesiredReplicas),
		same("the sample's target type", string(m.External.Target.Type), v[1]),
		same("the sample's average value", m.External.Target.AverageValue.Value(), target),
		same("the sample's scale-up stabilisation", int64(*hpa.Spec.Behavior.ScaleUp.StabilizationWindowSeconds), up))
}

func metricsClauses() []clause {
	return []clause{
		{name: "emitted metrics and labels", doc: reference,
			texts: []string{"Gauges on the controller's `/metrics`, labels `{}`, `{}`, `{}`,\nplus `{}` when set: `{}`, `{}`,\n`{}` (desired/current; desired when current is 0); counter\n`{}{{}}`."},
			check: checkMetrics},
		{name: "HPA sample follows the recommendation", doc: reference,
			texts: []string{"the HPA uses it as an `{}` metric with an\n`{}` target of {}; recommended behaviour: scale-up stabilisation {} s, scale-down\nstabilisation ≥ {} s."},
			check: checkHPASample},
		{name: "metric names in the guide", doc: guide,
			texts: []string{"1. **Normal Operation**: Emits `{}` with optimized targets", "- Emit metrics with `{}` label"},
			check: func(v []string) error {
				return errors.Join(same("the desired replicas metric", actuator.MetricDesiredReplicas, v[0]),
					same("the controller instance metric label", actuator.LabelInstance, v[1]))
			}},
	}
}
