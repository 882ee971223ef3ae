package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// ownEnv starts a local environment of the test's own (one GPU node of product), with
// WVA's install applied, for a scenario that restarts the control plane under the other
// scenarios' feet otherwise, or registers an external metrics API of its own. It returns
// the environment, an admin client, and the kubeconfigs of the manager's ServiceAccount
// in metrics and in direct mode.
func ownEnv(t *testing.T, product string) (env *localenv.Env, c client.Client, metricsConfig, directConfig string) {
	t.Helper()
	ctx := context.Background()
	var err error
	env, err = localenv.Start(ctx, localenv.Options{Nodes: []localenv.Node{{Name: "gpu-own", GPUProduct: product, GPUs: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			var b strings.Builder
			env.DumpLogs(&b, 30)
			t.Log(b.String())
		}
		env.Stop()
	})
	if err := env.ApplyFiles(ctx, filepath.Join(repoRoot, "config/crd/bases"), filepath.Join(repoRoot, "config/rbac"), filepath.Join(repoRoot, "config/manager")); err != nil {
		t.Fatal(err)
	}
	if err := harness.CreateServiceAccount(ctx, env, harness.DirectModeServiceAccount); err != nil {
		t.Fatal(err)
	}
	if err := harness.BindManagerRBAC(ctx, env, repoRoot, systemNamespace, harness.DirectModeServiceAccount, true); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if directConfig, err = harness.ServiceAccountKubeconfigFor(ctx, env, harness.SystemNamespace, harness.DirectModeServiceAccount, filepath.Join(dir, "direct.kubeconfig")); err != nil {
		t.Fatal(err)
	}
	if metricsConfig, err = harness.ServiceAccountKubeconfig(ctx, env, filepath.Join(dir, "metrics.kubeconfig")); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	if c, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
		t.Fatal(err)
	}
	return env, c, metricsConfig, directConfig
}

// ownVariant creates, on an environment of the test's own, the namespace ns with a
// one-replica Deployment of product and its VA, both named faultApp.
func ownVariant(t *testing.T, c client.Client, ns, product string) {
	t.Helper()
	ctx := context.Background()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.exp.forget(ns) })
	if err := c.Create(ctx, newDeployment(ns, faultApp, product, 1)); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, newVA(ns, faultApp, model, faultApp, "20", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
}

// specHistory polls a Deployment's generation and spec.replicas through outages (an
// error is a moment without an answer, not a failure): each spec write bumps the
// generation, so the generations counted are the writes that landed, however a watch
// would have broken in between.
type specHistory struct {
	mu      sync.Mutex
	first   int64
	last    int64
	changes []string
}

func pollSpec(t *testing.T, c client.Client, ns, name string) *specHistory {
	t.Helper()
	h := &specHistory{first: -1}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		replicas := int32(-1)
		for tick := time.NewTicker(100 * time.Millisecond); ; {
			select {
			case <-stop:
				tick.Stop()
				return
			case <-tick.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			var d appsv1.Deployment
			err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &d)
			cancel()
			if err != nil || d.Spec.Replicas == nil {
				continue
			}
			h.mu.Lock()
			if h.first < 0 {
				h.first = d.Generation
			}
			h.last = d.Generation
			if replicas >= 0 && *d.Spec.Replicas != replicas {
				h.changes = append(h.changes, fmt.Sprintf("%d->%d", replicas, *d.Spec.Replicas))
			}
			h.mu.Unlock()
			replicas = *d.Spec.Replicas
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait() })
	return h
}

// writes is the number of spec writes seen (generations) and the replica changes.
func (h *specHistory) writes() (int64, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last - h.first, append([]string(nil), h.changes...)
}

// TestAPIServerAndEtcdRestartedMidRun: a model that needs three replicas, one running,
// WVA in direct mode on an environment of its own. The kube-apiserver is killed and
// restarted the moment WVA logs its first scale-up, etcd the moment it logs the next (or
// once the three replicas are up, when the outage's repeated decisions were the last):
// every client's connections and watches break mid-cycle. WVA reconnects and finishes the
// job; the VA's status survives both restarts and is written again after them; every
// change of the Deployment's replicas is one logged write, none repeated.
func TestAPIServerAndEtcdRestartedMidRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const ns, product = "restart-control-plane", "NVIDIA-H100-restart"
	env, c, _, kubeconfig := ownEnv(t, product)
	ownVariant(t, c, ns, product)
	history := pollSpec(t, c, ns, faultApp)
	livePods := func() []corev1.Pod { return readyPodsIn(c, ns, faultApp) }
	driveLoadToThree(t, ns, livePods)

	m := harness.StartManager(t, harness.ManagerOptions{
		Bin: s.wvaBin, Kubeconfig: kubeconfig, Name: "restart-" + ns,
		Env: []string{"POD_NAMESPACE=" + systemNamespace, "PROMETHEUS_BASE_URL=" + s.prom.URL,
			"GLOBAL_OPT_INTERVAL=2s", "ACTUATION_MODE=direct", "CONTROLLER_INSTANCE=" + ns},
	})
	specReplicas := func() int32 {
		var d appsv1.Deployment
		if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: faultApp}, &d); err != nil || d.Spec.Replicas == nil {
			return 0
		}
		return *d.Spec.Replicas
	}
	ups := func() int {
		return len(logLines(m.Log(), `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`, `"action":"up"`))
	}
	// restartOn restarts what at the n-th scale-up decision, or once the Deployment is at
	// three replicas if the scale-ups are all done by then (decisions repeated during the
	// apiserver's outage can use up the ones the load asks for).
	restartOn := func(what string, n int, restart func(context.Context) error) {
		eventually(t, 2*time.Minute, func() error {
			if got := ups(); got < n && specReplicas() < 3 {
				return fmt.Errorf("%d scale-up decisions, Deployment at %d, waiting for %d decisions or 3 replicas to restart %s", got, specReplicas(), n, what)
			}
			return nil
		})
		began := time.Now()
		if err := restart(ctx); err != nil {
			t.Fatalf("restart %s: %v", what, err)
		}
		t.Logf("FAULT control-plane-restart: %s killed and ready again in %.1fs", what, time.Since(began).Seconds())
	}
	restartOn("kube-apiserver", 1, env.RestartAPIServer)
	restartedAt := time.Now()
	restartOn("etcd", ups()+1, env.RestartEtcd)

	// WVA's part is the Deployment's replicas; whether kwok and the scheduler, whose own
	// watches broke too, make the third Pod Ready soon is theirs (a Pod they lose stays
	// pending, and WVA rightly holds at three while it does).
	eventually(t, 2*time.Minute, func() error {
		if n := specReplicas(); n < 3 {
			return fmt.Errorf("Deployment at %d replicas, want 3", n)
		}
		return nil
	})
	// A few cycles at three (or four: the synthetic load reads saturated on the older
	// replicas for a scrape after the third is Ready, and one more scale-up is a fair
	// answer to it): the status says what the Deployment has, written after the restarts.
	waitDecisions(t, m, ns, len(m.Log()), 3)
	var va v1alpha1.VariantAutoscaling
	eventually(t, patience, func() error {
		if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: faultApp}, &va); err != nil {
			return err
		}
		var d appsv1.Deployment
		if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: faultApp}, &d); err != nil {
			return err
		}
		alloc := va.Status.DesiredOptimizedAlloc
		if alloc.NumReplicas == nil || *alloc.NumReplicas < 3 || *alloc.NumReplicas != *d.Spec.Replicas ||
			alloc.LastRunTime == nil || !alloc.LastRunTime.After(restartedAt) {
			return fmt.Errorf("status %+v (numReplicas %v), Deployment %d: want the Deployment's replicas, at least 3, decided after the restarts",
				alloc, deref(alloc.NumReplicas), *d.Spec.Replicas)
		}
		if len(va.Status.Conditions) < 2 {
			return fmt.Errorf("status conditions %+v: want Ready and MetricsAvailable", va.Status.Conditions)
		}
		return nil
	})

	log := m.Log()
	logged := scaledWrites(log, ns)
	landed, changes := history.writes()
	failed := len(logLines(log, `"msg":"Direct scaling failed"`, `"namespace":"`+ns+`"`))
	decided := ups() + len(logLines(log, `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`, `"action":"down"`))
	if !oneStepEach(changes) {
		t.Errorf("replica changes %v, want 1->2 2->3 (then at most 3->4): one step per decision, none repeated", changes)
	}
	if landed != int64(len(logged)) || strings.Join(changes, " ") != strings.Join(logged, " ") {
		t.Errorf("%d spec writes landed (%v), %d scale writes logged (%v): want the same", landed, changes, len(logged), logged)
	}
	if decided < len(logged) {
		t.Errorf("%d scale decisions for %d writes", decided, len(logged))
	}
	t.Logf("FAULT control-plane-restart: scale decisions %d, scale writes logged %d, spec writes landed %d %v, failed writes retried %d; status %d replicas, conditions %d",
		decided, len(logged), landed, changes, failed, *va.Status.DesiredOptimizedAlloc.NumReplicas, len(va.Status.Conditions))
}

// oneStepEach reports whether replica changes climb from 1 one replica at a time to
// 3 or 4: no step repeated, none skipped, none back.
func oneStepEach(changes []string) bool {
	want := []string{"1->2", "2->3", "3->4"}
	return (len(changes) == 2 || len(changes) == 3) && strings.Join(changes, " ") == strings.Join(want[:len(changes)], " ")
}

// deref is *p, or -1 for nil.
func deref(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

// driveLoadToThree publishes, until the test ends, a load that saturates fewer than three
// replicas and is comfortable at three (where a scale-down to two would not be safe).
func driveLoadToThree(t *testing.T, ns string, live func() []corev1.Pod) {
	t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for tick := time.NewTicker(300 * time.Millisecond); ; {
			select {
			case <-stop:
				tick.Stop()
				return
			case <-tick.C:
			}
			if pods := live(); len(pods) < 3 {
				setLoad(ns, pods, 0.95, 8)
			} else {
				setLoad(ns, pods, 0.6, 0)
			}
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait() })
}

// readyPodsIn lists a Deployment's live, Ready Pods through c without failing the test
// (for goroutines and outages).
func readyPodsIn(c client.Client, ns, app string) []corev1.Pod {
	var list corev1.PodList
	if err := c.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
		return nil
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && notReady(&p) == "" {
			out = append(out, p)
		}
	}
	return out
}
