package integration

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// The soak: WVA under churn for a long time, its goroutines, heap and open connections
// sampled from its own /metrics. `make soak` runs it for SOAK_DURATION (30 minutes by
// default, WVA_SOAK_DURATION here); `make test` runs its smoke form, soakSmoke long.
const (
	soakSmoke = 75 * time.Second
	soakStep  = 2 * time.Second
	soakSlots = 4
)

// ownNamespaceManager runs a metrics-mode manager whose POD_NAMESPACE is ns, so that its
// ConfigMaps are the scenario's own and changing them touches no other manager; it gets
// the install's Role there.
func ownNamespaceManager(t *testing.T, ns string, env ...string) *harness.Manager {
	t.Helper()
	if err := harness.BindManagerRBAC(context.Background(), s.env, repoRoot, ns, harness.ServiceAccount, false); err != nil {
		t.Fatal(err)
	}
	return harness.StartManager(t, harness.ManagerOptions{
		Bin: s.wvaBin, Kubeconfig: s.saConfig, Name: "wva-" + ns,
		Env: append([]string{"POD_NAMESPACE=" + ns, "CONTROLLER_INSTANCE=" + ns, "PROMETHEUS_BASE_URL=" + s.prom.URL}, env...),
	})
}

// resources is one sample of a process's resources from its /metrics.
type resources struct {
	goroutines, heapBytes, openFDs float64
}

func (r resources) String() string {
	return fmt.Sprintf("goroutines=%.0f heap_inuse=%.1fMiB open_fds=%.0f", r.goroutines, r.heapBytes/(1<<20), r.openFDs)
}

func sampleResources(t *testing.T, m *harness.Manager) resources {
	t.Helper()
	text := metricsOf(t, m)
	return resources{
		goroutines: gaugeValue(t, text, "go_goroutines"),
		heapBytes:  gaugeValue(t, text, "go_memstats_heap_inuse_bytes"),
		openFDs:    gaugeValue(t, text, "process_open_fds"),
	}
}

// gaugeValue reads an unlabelled series from /metrics text.
func gaugeValue(t *testing.T, text, name string) float64 {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// soakChurn is the churn of one step: a variant slot created or deleted, another's
// replicas changed, the saturation and scale-to-zero ConfigMaps changed (now and then
// deleted), and the load of every live Pod moved.
type soakChurn struct {
	t       *testing.T
	ns      string
	product string
	live    [soakSlots]bool
}

func (c *soakChurn) step(ctx context.Context, i int) {
	slot := i % soakSlots
	name := fmt.Sprintf("soak-%d", slot)
	if c.live[slot] {
		s.exp.forgetPods(c.ns, podsOfApp(c.ns, name))
		for _, o := range []client.Object{
			&v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: name}},
			&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: name}},
		} {
			if err := s.client.Delete(ctx, o, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
				c.t.Errorf("churn: delete %s: %v", name, err)
			}
		}
	} else {
		if err := s.client.Create(ctx, newDeployment(c.ns, name, c.product, 1)); err != nil {
			c.t.Errorf("churn: create deployment %s: %v", name, err)
		}
		if err := s.client.Create(ctx, newVA(c.ns, name, model, name, strconv.Itoa(5+slot), map[string]string{instanceLabel: c.ns})); err != nil {
			c.t.Errorf("churn: create va %s: %v", name, err)
		}
	}
	c.live[slot] = !c.live[slot]

	// Another live variant's replicas between one and two, as an operator would.
	other := (slot + 2) % soakSlots
	if c.live[other] {
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: fmt.Sprintf("soak-%d", other)}}
		patch := client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, 1+i%2)))
		if err := s.client.Patch(ctx, d, patch); client.IgnoreNotFound(err) != nil {
			c.t.Errorf("churn: scale %s: %v", d.Name, err)
		}
	}

	c.configMap(ctx, i, "saturation-scaling-config", "default",
		fmt.Sprintf("kvCacheThreshold: %.2f\nqueueLengthThreshold: %d\n", 0.75+0.05*float64(i%3), 5+i%3))
	c.configMap(ctx, i+2, "model-scale-to-zero-config", "default",
		fmt.Sprintf("enable_scale_to_zero: false\nretention_period: %dm\n", 10+i%5))

	// The load: a slow wave, saturated at its crest.
	kv := 0.45 + 0.4*math.Sin(float64(i)/7)
	for slot := range soakSlots {
		for _, p := range podsOfApp(c.ns, fmt.Sprintf("soak-%d", slot)) {
			s.exp.set(c.ns, p, model, kv, math.Max(0, 10*(kv-0.7)))
		}
	}
}

// configMap writes one key of a ConfigMap of the manager's, and deletes the ConfigMap
// every fifth step.
func (c *soakChurn) configMap(ctx context.Context, i int, name, key, value string) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: name}}
	if i%5 == 4 {
		if err := s.client.Delete(ctx, cm); client.IgnoreNotFound(err) != nil {
			c.t.Errorf("churn: delete configmap %s: %v", name, err)
		}
		return
	}
	cm.Data = map[string]string{key: value}
	err := s.client.Update(ctx, cm)
	if client.IgnoreNotFound(err) == nil && err != nil {
		err = s.client.Create(ctx, cm)
	}
	if err != nil {
		c.t.Errorf("churn: write configmap %s: %v", name, err)
	}
}

// podsOfApp names a Deployment's live Pods without failing the test.
func podsOfApp(ns, app string) []string {
	var list corev1.PodList
	if err := s.client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
		return nil
	}
	var out []string
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p.Name)
		}
	}
	return out
}

// TestSoakChurn: WVA decides for a namespace where, every two seconds, a VA and its
// Deployment are created or deleted, another Deployment is scaled, the saturation and
// scale-to-zero ConfigMaps are changed or deleted, and the load moves in a wave. Its
// goroutines, heap in use and open file descriptors (connections included) are sampled
// from its /metrics once the first rotation is done and again at the end of the same
// rotation: they must stay flat (within a tolerance for the garbage collector's timing
// and the connections of the moment), and WVA must still be deciding.
func TestSoakChurn(t *testing.T) {
	t.Parallel()
	duration := soakSmoke
	if v := os.Getenv("WVA_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("WVA_SOAK_DURATION=%q: %v; want a Go duration such as 30m", v, err)
		}
		duration = d
	}
	ctx := context.Background()
	ns := newNamespace(t)
	product := "NVIDIA-H100-" + ns
	if err := s.env.AddNode(ctx, localenv.Node{Name: "gpu-" + ns, GPUProduct: product, GPUs: 2 * soakSlots}); err != nil {
		t.Fatal(err)
	}
	m := ownNamespaceManager(t, ns, "GLOBAL_OPT_INTERVAL=2s")
	churn := &soakChurn{t: t, ns: ns, product: product}
	// Steps are counted in whole rotations (2 × soakSlots steps bring every slot back to
	// where it was), so the first and the last sample see the same set of objects.
	rotation := 2 * soakSlots
	steps := max(2, int(duration/(soakStep*time.Duration(rotation)))) * rotation
	var start resources
	began := time.Now()
	progress := max(rotation, steps/10/rotation*rotation)
	for i := range steps + 1 {
		if i == rotation {
			start = sampleResources(t, m)
			t.Logf("SOAK start (after one rotation, %s): %s", time.Since(began).Round(time.Second), start)
		} else if i > rotation && i%progress == 0 {
			t.Logf("SOAK %s/%s: %s", time.Since(began).Round(time.Second), duration, sampleResources(t, m))
		}
		if i == steps {
			break
		}
		churn.step(ctx, i)
		time.Sleep(soakStep)
	}
	end := sampleResources(t, m)
	decisions := len(logLines(m.Log(), `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`))
	t.Logf("SOAK end (%s, %d churn steps, %d decisions): %s", time.Since(began).Round(time.Second), steps, decisions, end)
	t.Logf("SOAK start→end: goroutines %.0f→%.0f, heap in use %.1f→%.1f MiB, open fds %.0f→%.0f",
		start.goroutines, end.goroutines, start.heapBytes/(1<<20), end.heapBytes/(1<<20), start.openFDs, end.openFDs)

	if end.goroutines > start.goroutines*1.2+10 {
		t.Errorf("goroutines grew from %.0f to %.0f under churn", start.goroutines, end.goroutines)
	}
	if end.heapBytes > start.heapBytes*1.5+16<<20 {
		t.Errorf("heap in use grew from %.1f to %.1f MiB under churn", start.heapBytes/(1<<20), end.heapBytes/(1<<20))
	}
	if end.openFDs > start.openFDs+10 {
		t.Errorf("open file descriptors grew from %.0f to %.0f under churn", start.openFDs, end.openFDs)
	}
	if decisions < steps/4 {
		t.Errorf("%d decisions in %d churn steps: WVA stopped deciding", decisions, steps)
	}
	if strings.Contains(m.Log(), "panic") {
		t.Errorf("the manager's log mentions a panic")
	}
}
