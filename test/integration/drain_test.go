package integration

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// setWork publishes one pod's load with its running requests.
func (e *exporter) setWork(ns, pod, model string, kv, running float64) {
	e.set(ns, pod, model, kv, 0)
	e.running.WithLabelValues(ns, pod, model).Set(running)
}

// scaleDeployment sets a Deployment's replicas as an operator would and waits until that
// many of its pods exist.
func scaleDeployment(t *testing.T, ns, name string, n int32) {
	t.Helper()
	var d appsv1.Deployment
	if err := s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &d); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Replicas = &n
	if err := s.client.Patch(context.Background(), &d, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		if got := len(podsOf(t, ns, name)); got != int(n) {
			return fmt.Errorf("%s has %d pods, want %d", name, got, n)
		}
		return nil
	})
}

// podNames returns the names of a Deployment's live pods, sorted.
func podNames(t *testing.T, ns, app string) []string {
	t.Helper()
	var names []string
	for _, p := range podsOf(t, ns, app) {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// TestDrainAwareScaleDownRemovesTheIdleReplicas: four replicas, the two newest busy and the
// two oldest idle; WVA scales the variant down to two in direct mode. Told nothing, the
// ReplicaSet removes the newest replicas, the busy ones, aborting their requests; with
// DRAIN_AWARE_SCALE_DOWN (the default) WVA marks the idle ones first and they are the ones
// that go. The marks are gone once the scale-down is done.
func TestDrainAwareScaleDownRemovesTheIdleReplicas(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       string
		wantKept  string // "busy" or "idle"
		wantMarks bool   // the manager logs its marks
	}{
		{"without the hint the newest, busy replicas go", "DRAIN_AWARE_SCALE_DOWN=false", "idle", false},
		{"with the hint the idle replicas go", "DRAIN_AWARE_SCALE_DOWN=true", "busy", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ns := newNamespace(t)
			const app = "llama-h100"
			// A node of its own, so the ReplicaSet's ranking by pods per node ties and the
			// next criterion, the newest ready first, decides.
			product := "NVIDIA-H100-" + ns
			if err := s.env.AddNode(context.Background(), localenv.Node{Name: "gpu-" + ns, GPUProduct: product, GPUs: 4}); err != nil {
				t.Fatal(err)
			}
			d := newDeployment(ns, app, product, 2)
			if err := s.client.Create(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.client.Delete(context.Background(), d) })
			scaleDeployment(t, ns, app, 2)
			idle := podNames(t, ns, app)
			// The idle replicas are the older by far: ready at least 20 s before the busy
			// ones, so on the ReplicaSet's logarithmic scale of ready times the busy ones
			// are the newest.
			eventually(t, time.Minute, func() error {
				for _, p := range podsOf(t, ns, app) {
					if age := readyFor(&p); age < 20*time.Second {
						return fmt.Errorf("pod %s ready for %s", p.Name, age)
					}
				}
				return nil
			})
			scaleDeployment(t, ns, app, 4)
			var busy []string
			for _, p := range podNames(t, ns, app) {
				if !slices.Contains(idle, p) {
					busy = append(busy, p)
				}
			}
			// Loads at which WVA goes from four replicas to two and no further, whichever two
			// remain; "idle" is no request in flight.
			for _, p := range idle {
				s.exp.setWork(ns, p, model, 0.4, 0)
			}
			for _, p := range busy {
				s.exp.setWork(ns, p, model, 0.45, 12)
			}
			eventually(t, time.Minute, func() error { // all four ready, as the ReplicaSet ranks ready pods alike
				for _, p := range podsOf(t, ns, app) {
					if !inventory.PodReady(&p) {
						return fmt.Errorf("pod %s not ready", p.Name)
					}
				}
				return nil
			})
			m := startManager(t, "drain-"+ns, "GLOBAL_OPT_INTERVAL=2s", "ACTUATION_MODE=direct", "CONTROLLER_INSTANCE="+ns, tc.env)
			if err := s.client.Create(context.Background(), newVA(ns, app, model, app, "5", map[string]string{instanceLabel: ns})); err != nil {
				t.Fatal(err)
			}
			eventually(t, 2*time.Minute, func() error {
				if got := podNames(t, ns, app); len(got) != 2 {
					return fmt.Errorf("%d pods: %v", len(got), got)
				}
				return nil
			})
			want := map[string][]string{"busy": busy, "idle": idle}[tc.wantKept]
			if got := podNames(t, ns, app); !slices.Equal(got, want) {
				for _, l := range strings.Split(m.Log(), "\n") {
					if strings.Contains(l, "Scaling decision") || strings.Contains(l, "Marked") || strings.Contains(l, "Scaled") {
						t.Log(l)
					}
				}
				t.Fatalf("kept %v, want the %s replicas %v (busy %v, idle %v)", got, tc.wantKept, want, busy, idle)
			}
			if marked := strings.Contains(m.Log(), "Marked the replicas with the least work in flight to go first"); marked != tc.wantMarks {
				t.Errorf("replicas marked (log line): %v, want %v", marked, tc.wantMarks)
			}
			eventually(t, 30*time.Second, func() error { // done: no mark is left behind
				for _, p := range podsOf(t, ns, app) {
					if v, ok := p.Annotations[actuator.MarkAnnotation]; ok {
						return fmt.Errorf("pod %s still marked %s", p.Name, v)
					}
				}
				return nil
			})
		})
	}
}

// readyFor is how long a pod has been Ready (zero when it is not).
func readyFor(p *corev1.Pod) time.Duration {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return time.Since(c.LastTransitionTime.Time)
		}
	}
	return 0
}
