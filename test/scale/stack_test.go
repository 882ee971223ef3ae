package scale

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

const repoRoot = "../.."

// shape is the fleet a run creates: models of several variants (one VA and one Deployment
// each) plus single-variant ("solo") models, spread over namespaces.
type shape struct {
	Namespaces     int
	Models         int // models with Variants variants each
	Variants       int
	Solo           int // models with one variant
	PodsPerVariant int
}

func (s shape) vas() int  { return s.Models*s.Variants + s.Solo }
func (s shape) pods() int { return s.vas() * s.PodsPerVariant }

// variant is one VA of the fleet and its Deployment (same name).
type variant struct {
	ns, name, model string
}

// stack is everything a run needs: the control plane with kwok nodes, the fleet, the
// synthetic exporter and Prometheus, the counting proxies and the built manager.
type stack struct {
	env        *localenv.Env
	admin      client.Client
	apiProxy   *harness.CountingProxy
	promProxy  *harness.CountingProxy
	prom       *localenv.Prometheus
	exp        *synthExporter
	bin        string
	kubeconfig string
	variants   []variant
	podsOf     map[string][]podSeries // Deployment name → its Pods' series
	progress   io.Writer
	// logDir keeps the manager's log after the run; the test's temporary folder when empty.
	logDir string
}

// steadyLoad is a load every model holds at: spare KV 0.11 over the 0.10 trigger with all
// replicas, and below it if one replica were removed (for up to 25 replicas a model), so
// each decision is "hold" and stays so.
var steadyLoad = load{kv: 0.69, waiting: 0}

// startStack brings the whole run up and waits until Prometheus holds a series for every
// Pod. Long steps print progress.
func startStack(t testing.TB, sh shape, scrape time.Duration, progress io.Writer) *stack {
	t.Helper()
	ctx := context.Background()
	st := &stack{progress: progress, podsOf: map[string][]podSeries{}}
	podsPerNode := 500
	var nodes []localenv.Node
	for i := 0; i*podsPerNode < sh.pods()+50; i++ {
		nodes = append(nodes, localenv.Node{Name: fmt.Sprintf("kwok-%03d", i), GPUProduct: "NVIDIA-H100-80GB-HBM3", GPUs: 8, Pods: podsPerNode})
	}
	st.logf("starting the control plane with %d kwok nodes", len(nodes))
	st.env = localenvtest.Start(t, localenv.Options{
		Nodes:   nodes,
		PodCIDR: fmt.Sprintf("127.%d.0.0/16", 2+rand.IntN(250)), // room for every Pod's address
		// Create the fleet's ReplicaSets and Pods quickly.
		ControllerManagerArgs: []string{"--kube-api-qps=400", "--kube-api-burst=800", "--concurrent-deployment-syncs=20", "--concurrent-replicaset-syncs=20"},
		StartTimeout:          5 * time.Minute,
	})
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(st.env.Config)
	cfg.QPS, cfg.Burst = -1, 0 // the fixture's own writes are not what is measured
	var err error
	if st.admin, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		t.Fatal(err)
	}
	if err := st.env.ApplyFiles(ctx, filepath.Join(repoRoot, "config/crd/bases"), filepath.Join(repoRoot, "config/rbac"),
		filepath.Join(repoRoot, "config/manager/namespace.yaml"), filepath.Join(repoRoot, "config/manager/configmaps.yaml")); err != nil {
		t.Fatalf("apply config/: %v", err)
	}
	st.logf("building the manager")
	if st.bin, err = harness.BuildManager(repoRoot, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if st.apiProxy, err = harness.StartCountingProxy(st.env.Config.Host, st.env.Config.CAData, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.apiProxy.Close)
	if st.kubeconfig, err = harness.ServiceAccountKubeconfigVia(ctx, st.env, filepath.Join(t.TempDir(), "wva.kubeconfig"), st.apiProxy.URL, st.apiProxy.CAPEM); err != nil {
		t.Fatal(err)
	}
	st.createFleet(t, ctx, sh)
	st.waitPods(t, ctx, sh.pods())
	st.startPrometheus(t, ctx, scrape, sh.pods())
	return st
}

func (st *stack) logf(format string, args ...any) {
	fmt.Fprintf(st.progress, "[scale %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// createFleet creates the namespaces, then a Deployment and a VA per variant, in parallel.
func (st *stack) createFleet(t testing.TB, ctx context.Context, sh shape) {
	t.Helper()
	for i := range sh.Namespaces {
		if err := st.admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsName(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	m := 0
	addModel := func(variants int, prefix string) {
		ns := nsName(m % sh.Namespaces)
		model := fmt.Sprintf("%s-%05d", prefix, m)
		for v := range variants {
			st.variants = append(st.variants, variant{ns: ns, name: fmt.Sprintf("%s-v%d", model, v), model: model})
		}
		m++
	}
	for range sh.Models {
		addModel(sh.Variants, "model")
	}
	for range sh.Solo {
		addModel(1, "solo")
	}
	st.logf("creating %d Deployments and VAs in %d namespaces (%d Pods)", len(st.variants), sh.Namespaces, sh.pods())
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 16 {
		wg.Go(func() {
			for i := range work {
				v := st.variants[i]
				cost := strconv.Itoa(10 * (1 + i%5))
				for _, o := range []client.Object{deployment(v, int32(sh.PodsPerVariant)), va(v, cost)} {
					if err := st.admin.Create(ctx, o); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
				}
			}
		})
	}
	start := time.Now()
	for i := range st.variants {
		work <- i
		if i > 0 && i%1000 == 0 {
			st.logf("  %d / %d created (%.0fs)", i, len(st.variants), time.Since(start).Seconds())
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("create the fleet: %v", firstErr)
	}
}

func nsName(i int) string { return fmt.Sprintf("scale-%03d", i) }

func deployment(v variant, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": v.name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: v.ns, Name: v.name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "vllm", Image: "vllm/vllm-openai:latest",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}},
				}}},
			},
		},
	}
}

func va(v variant, cost string) *v1alpha1.VariantAutoscaling {
	return &v1alpha1.VariantAutoscaling{
		ObjectMeta: metav1.ObjectMeta{Namespace: v.ns, Name: v.name, Labels: map[string]string{inventory.AcceleratorLabel: "H100"}},
		Spec: v1alpha1.VariantAutoscalingSpec{
			ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: v.name},
			ModelID:        v.model, VariantCost: cost,
		},
	}
}

// waitPods waits until the fleet's Pods are all Running and Ready, then gives each its
// steady load in the exporter.
func (st *stack) waitPods(t testing.TB, ctx context.Context, want int) {
	t.Helper()
	model := map[string]variant{}
	for _, v := range st.variants {
		model[v.name] = v
	}
	start := time.Now()
	var pods corev1.PodList
	for {
		var err error
		if pods, err = st.listPods(ctx); err != nil {
			// A busy API server may drop a long list; the next round tries again.
			if time.Since(start) > 30*time.Minute {
				t.Fatalf("list the Pods: %v", err)
			}
			st.logf("  listing the Pods failed, trying again: %v", err)
			time.Sleep(5 * time.Second)
			continue
		}
		ready := 0
		for i := range pods.Items {
			if _, ours := model[pods.Items[i].Labels["app"]]; ours && inventory.PodReady(&pods.Items[i]) {
				ready++
			}
		}
		st.logf("  %d / %d Pods Ready (%.0fs)", ready, want, time.Since(start).Seconds())
		if ready >= want {
			break
		}
		if time.Since(start) > 30*time.Minute {
			t.Fatalf("only %d of %d Pods became Ready", ready, want)
		}
		time.Sleep(5 * time.Second)
	}
	exp, err := startSynthExporter()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(exp.close)
	st.exp = exp
	for i := range pods.Items {
		p := &pods.Items[i]
		v, ok := model[p.Labels["app"]]
		if !ok || p.DeletionTimestamp != nil {
			continue
		}
		s := podSeries{namespace: p.Namespace, pod: p.Name, model: v.model}
		st.podsOf[v.name] = append(st.podsOf[v.name], s)
		exp.set(s, steadyLoad)
	}
}

// listPods lists the fleet's Pods in pages, so that no single request has to carry ten
// thousand of them.
func (st *stack) listPods(ctx context.Context) (corev1.PodList, error) {
	var all corev1.PodList
	cont := ""
	for {
		var page corev1.PodList
		if err := st.admin.List(ctx, &page, client.HasLabels{"app"}, client.Limit(500), client.Continue(cont)); err != nil {
			return corev1.PodList{}, err
		}
		all.Items = append(all.Items, page.Items...)
		if cont = page.Continue; cont == "" {
			return all, nil
		}
	}
}

// startPrometheus scrapes the exporter and waits until every Pod has a series.
func (st *stack) startPrometheus(t testing.TB, ctx context.Context, scrape time.Duration, pods int) {
	t.Helper()
	var err error
	st.prom, err = localenv.StartPrometheus(ctx, localenv.PrometheusOptions{
		BinDir: st.env.BinDir, ScrapeInterval: scrape, HonorLabels: true,
		Targets: []localenv.ScrapeTarget{{Address: st.exp.addr}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.prom.Stop)
	if st.promProxy, err = harness.StartCountingProxy(st.prom.URL, nil, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.promProxy.Close)
	localenvtest.Eventually(t, 2*time.Minute, func() error {
		n, err := promCount(ctx, st.prom.URL, `count(vllm:kv_cache_usage_perc)`)
		if err != nil {
			return err
		}
		if n != pods {
			return fmt.Errorf("Prometheus holds %d Pods' series, want %d", n, pods)
		}
		return nil
	})
	st.logf("Prometheus holds series for %d Pods", pods)
}

// startManager runs the built manager as its ServiceAccount through the counting proxies.
func (st *stack) startManager(t testing.TB, interval time.Duration, env ...string) *harness.Manager {
	t.Helper()
	return harness.StartManager(t, harness.ManagerOptions{
		Bin: st.bin, Kubeconfig: st.kubeconfig, Name: "wva", LogDir: st.logDir,
		// Sub-second times in the log: the cycle summaries bound the benchmark's windows.
		Args: []string{"--zap-time-encoding=rfc3339nano"},
		Env: append([]string{
			"POD_NAMESPACE=" + harness.SystemNamespace,
			"PROMETHEUS_BASE_URL=" + st.promProxy.URL,
			"GLOBAL_OPT_INTERVAL=" + interval.String(),
			"PROMETHEUS_CACHE_ENABLED=false", // every cycle asks Prometheus: its queries mark the cycle
		}, env...),
	})
}
