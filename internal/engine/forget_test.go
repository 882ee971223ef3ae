package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/controller"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// racingSignals are usable signals for every model; while collecting, the one cycle armed
// with during runs it first, standing for whatever happens in the cluster while a real
// cycle waits on Prometheus.
type racingSignals struct {
	during func()
}

func (s *racingSignals) Collect(_ context.Context, models []*inventory.Model, _ time.Time) map[ModelKey]ModelSignals {
	if s.during != nil {
		s.during()
		s.during = nil
	}
	out := map[ModelKey]ModelSignals{}
	for _, m := range models {
		out[ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}] = ModelSignals{Status: decision.SignalStatus{Usable: true, Reason: "MetricsFound"}}
	}
	return out
}

// signallingForgetter tells the test when the reconciler has forgotten a variant.
type signallingForgetter struct {
	next   controller.Forgetter
	forgot chan string
}

func (f signallingForgetter) Forget(name, namespace string) {
	f.next.Forget(name, namespace)
	f.forgot <- namespace + "/" + name
}

// seriesOf lists the wva_* series of a variant in the registry.
func seriesOf(t *testing.T, reg *prometheus.Registry, name string) []string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == actuator.LabelVariant && l.GetValue() == name {
					out = append(out, mf.GetName())
				}
			}
		}
	}
	return out
}

// A decision cycle that read a VA before it was deleted must not bring its wva_* series
// back after the reconciler removed them, and a cycle that read a target before it was
// deleted must not keep publishing for it: the series of a VA or target that is gone are
// never set again. The deletions happen while the cycle collects signals (where a real
// cycle spends its time, waiting on Prometheus), so the race is played out in order, on a
// real API server and informer cache, with the reconciler's own Forget.
func TestDeletedVariantNeverGetsSeriesAgain(t *testing.T) {
	env := localenvtest.Start(t, localenv.Options{ControlPlaneOnly: true})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := env.ApplyFiles(ctx, "../../config/crd/bases"); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatal(err)
	}
	metrics := actuator.NewMetrics("", CacheLiveness(mgr.GetClient()))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.Collectors()...)
	forgot := make(chan string, 16)
	signals := &racingSignals{}
	recorder := mgr.GetEventRecorder("wva-test")
	eng := New(Options{
		Reader: mgr.GetClient(), Signals: signals, Status: status.NewWriter(mgr.GetClient(), mgr.GetAPIReader(), recorder),
		Settings: &settings{interval: time.Minute}, Metrics: metrics, Recorder: recorder, Clock: clock.RealClock{},
	})
	if err := controller.NewVariantAutoscalingReconciler(mgr.GetClient(), eng, signallingForgetter{metrics, forgot}).SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()
	c := mgr.GetClient()
	api, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ns := "race"
	if err := api.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	// waitCache waits until the manager's cache agrees with cond.
	waitCache := func(what string, cond func() error) {
		t.Helper()
		localenvtest.Eventually(t, 30*time.Second, func() error {
			if err := cond(); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			return nil
		})
	}
	gone := func(obj client.Object) func() error {
		return func() error {
			if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err == nil {
				return fmt.Errorf("%s still in the cache", obj.GetName())
			}
			return nil
		}
	}
	variant := func(name string) (*appsv1.Deployment, *v1alpha1.VariantAutoscaling) {
		t.Helper()
		labels := map[string]string{"app": name}
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "vllm", Image: "vllm"}}}},
		}}
		va := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.VariantAutoscalingSpec{
			ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: name}, ModelID: "m-" + name, VariantCost: "10"}}
		for _, o := range []client.Object{d, va} {
			if err := api.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		waitCache("the cache sees "+name, func() error {
			if err := c.Get(ctx, client.ObjectKeyFromObject(va), &v1alpha1.VariantAutoscaling{}); err != nil {
				return err
			}
			return c.Get(ctx, client.ObjectKeyFromObject(d), &appsv1.Deployment{})
		})
		return d, va
	}
	_, vaGone := variant("va-deleted")
	targetGone, _ := variant("target-deleted")
	eng.RunOnce(ctx, "before")
	for _, name := range []string{"va-deleted", "target-deleted"} {
		if len(seriesOf(t, reg, name)) == 0 {
			t.Fatalf("no series for %s after a normal cycle: the test shows nothing", name)
		}
	}

	signals.during = func() {
		if err := api.Delete(ctx, vaGone); err != nil {
			t.Error(err)
		}
		select {
		case <-forgot:
		case <-time.After(30 * time.Second):
			t.Error("the reconciler never forgot the deleted VA")
		}
		if err := api.Delete(ctx, targetGone); err != nil {
			t.Error(err)
		}
		waitCache("the target's deletion", gone(targetGone))
	}
	eng.RunOnce(ctx, "racing the deletions")
	for _, name := range []string{"va-deleted", "target-deleted"} {
		if got := seriesOf(t, reg, name); len(got) > 0 {
			t.Errorf("%s is gone but has series after the cycle that read it before: %s", name, strings.Join(got, ", "))
		}
	}
}
