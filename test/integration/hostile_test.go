package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// TestHostileModelIDsAndNamesOnARealPrometheus: VAs whose model IDs carry what could
// break a PromQL label matcher (a quote and braces that would close it and inject a
// query, backslashes, regular-expression metacharacters, unicode) and a VA with the
// longest name Kubernetes allows, read through the real Prometheus. Every model's signals
// are found and its decision is its own: a decoy series for the same Pod, under a model
// ID the metacharacters would match if they were not escaped, carries a saturated load
// that would show as a scale-up or an ambiguous answer. A model ID with a control
// character is refused by name, the others go on.
func TestHostileModelIDsAndNamesOnARealPrometheus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	product := "NVIDIA-H100-" + ns
	if err := s.env.AddNode(ctx, localenv.Node{Name: "gpu-" + ns, GPUProduct: product, GPUs: 6}); err != nil {
		t.Fatal(err)
	}
	longName := "v" + strings.Repeat("a", 252) // 253, the most a name may have
	cases := []struct{ va, deploy, model string }{
		{"inject", "inject", `meta/llama"} or vector(1) or {x="`},
		{"backslash", "backslash", `org\model\`},
		{"unicode", "unicode", "模型/ラマ-3.1 🦙"},
		{"regex", "regex", "a.b|c*"},
		{longName, "long", "meta/llama-long"},
	}
	for _, c := range cases {
		if err := s.client.Create(ctx, newDeployment(ns, c.deploy, product, 1)); err != nil {
			t.Fatal(err)
		}
		if err := s.client.Create(ctx, newVA(ns, c.va, c.model, c.deploy, "10", map[string]string{instanceLabel: ns})); err != nil {
			t.Fatalf("create VA %.20s… with model ID %q: %v", c.va, c.model, err)
		}
	}
	const badModel = "bell\amodel"
	if err := s.client.Create(ctx, newDeployment(ns, "bad", product, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, "bad", badModel, "bad", "10", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		pod := readyPods(t, ns, c.deploy, 1)[0]
		s.exp.set(ns, pod.Name, c.model, 0.3, 0)
		if c.deploy == "regex" {
			s.exp.set(ns, pod.Name, "aXb", 0.99, 20) // matched by an unescaped a.b|c*
		}
	}
	m := startManager(t, "hostile-"+ns, "GLOBAL_OPT_INTERVAL=2s", "CONTROLLER_INSTANCE="+ns)

	for _, c := range cases {
		wantCondition(t, ns, c.va, v1alpha1.ConditionMetricsAvailable, metav1.ConditionTrue, "MetricsFound", patience)
	}
	// A few cycles: each model decided on its own replica, none scaled up.
	waitDecisions(t, m, ns, len(m.Log()), 3*len(cases))
	for _, c := range cases {
		lines := logLines(m.Log(), `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`, `"variant":"`+c.va+`"`)
		if len(lines) == 0 {
			t.Errorf("model %q: no decision", c.model)
			continue
		}
		last := lines[len(lines)-1]
		if !strings.Contains(last, `"readyReplicas":1,`) || !strings.Contains(last, `"desiredReplicas":1,`) {
			t.Errorf("model %q: %s; want its own idle replica read, 1 desired", c.model, last)
		}
	}
	if _, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", ns, longName); !ok {
		t.Errorf("/metrics has no wva_desired_replicas for the VA with a %d-character name", len(longName))
	}
	var bad *metav1.Condition
	eventually(t, patience, func() error {
		c, err := condition(getVA(t, ns, "bad"), v1alpha1.ConditionMetricsAvailable)
		if err != nil {
			return err
		}
		if c.Status != metav1.ConditionFalse {
			return fmt.Errorf("model ID %q: MetricsAvailable %s/%s (%s), want False", badModel, c.Status, c.Reason, c.Message)
		}
		bad = c
		return nil
	})
	t.Logf("HOSTILE model IDs %q, a %d-character VA name: signals found, each decided on its own replica; model ID %q: %s %s",
		[]string{cases[0].model, cases[1].model, cases[2].model, cases[3].model}, len(longName), badModel, bad.Reason, bad.Message)
	if !strings.Contains(bad.Message, "non-printable") || !strings.Contains(bad.Message, `model ID "bell\amodel"`) || !strings.Contains(bad.Message, "set spec.modelID") {
		t.Errorf("model ID %q: condition message %q does not name the model ID and the problem", badModel, bad.Message)
	}
	// Nothing matched the decoy: the regex model's VA status is the idle replica's.
	va := getVA(t, ns, "regex")
	if n := va.Status.DesiredOptimizedAlloc.NumReplicas; n == nil || *n != 1 {
		t.Errorf("regex model: desired %v, want 1", n)
	}
}
