package demo

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/localenv/localenvtest"
)

// The decisions table pairs each variant with its own DesiredReplicasChanged message:
// events are raised as WVA raises them (events.k8s.io through a broadcaster, each after a
// status write of its VA, the two variants interleaved within milliseconds) on a real API
// server, and the sampler reads them as the demo does.
func TestDecisionsPairEachVariantWithItsOwnMessage(t *testing.T) {
	env := localenvtest.Start(t, localenv.Options{ControlPlaneOnly: true})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := env.ApplyFiles(ctx, "../../config/crd/bases"); err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := env.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	m := DefaultModel()
	vas := map[string]*v1alpha1.VariantAutoscaling{}
	for _, v := range m.Variants {
		va := &v1alpha1.VariantAutoscaling{ObjectMeta: metav1.ObjectMeta{Namespace: m.Namespace, Name: v.Name},
			Spec: v1alpha1.VariantAutoscalingSpec{ScaleTargetRef: v1alpha1.CrossVersionObjectReference{Kind: "Deployment", Name: v.Name}, ModelID: m.ID}}
		if err := c.Create(ctx, va); err != nil {
			t.Fatal(err)
		}
		vas[v.Name] = va
	}
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: cs.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	t.Cleanup(broadcaster.Shutdown)
	recorder := broadcaster.NewRecorder(scheme, "workload-variant-autoscaler")

	s := &sampler{model: m, cs: cs, seen: map[string]bool{}, start: time.Now().Add(-time.Minute)}
	const rounds = 4
	for i := range rounds {
		for _, v := range m.Variants {
			va := vas[v.Name]
			patch := client.MergeFrom(va.DeepCopy())
			va.Status.DesiredOptimizedAlloc.NumReplicas = ptrTo(int32(i + 2))
			if err := c.Status().Patch(ctx, va, patch); err != nil {
				t.Fatal(err)
			}
			recorder.Eventf(va, nil, corev1.EventTypeNormal, "DesiredReplicasChanged", "Decide",
				"Desired replicas %d -> %d: scale-up; +1 on cheapest variant %s", i+1, i+2, v.Name)
		}
		s.events(ctx, float64(60+i))
	}
	localenvtest.Eventually(t, 30*time.Second, func() error {
		s.events(ctx, 100)
		_, decs := s.snapshot()
		if len(decs) < rounds*len(m.Variants) {
			return fmt.Errorf("%d decisions recorded, want %d", len(decs), rounds*len(m.Variants))
		}
		return nil
	})
	_, decs := s.snapshot()
	for _, d := range decs {
		if !strings.HasSuffix(d.Message, "variant "+d.Variant) {
			t.Errorf("decision at t=%.0f pairs %s with the message %q", d.T, d.Variant, d.Message)
		}
	}
	if len(decs) != rounds*len(m.Variants) {
		t.Errorf("%d decisions recorded, want %d (one per event)", len(decs), rounds*len(m.Variants))
	}
}

func ptrTo[T any](v T) *T { return &v }
