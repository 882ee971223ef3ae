package integration

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// poolRecorder is a Signals that records the InferencePools each model was given.
type poolRecorder struct {
	mu    sync.Mutex
	pools map[string][]string
}

func (p *poolRecorder) Collect(_ context.Context, models []*inventory.Model, _ time.Time) map[engine.ModelKey]engine.ModelSignals {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pools = map[string][]string{}
	for _, m := range models {
		p.pools[m.ModelID] = slices.Clone(m.Pools)
	}
	return nil
}

func (p *poolRecorder) get(model string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pools[model]
}

// On a real API server: without an InferencePool CRD the engine reads none (and the cycle
// goes on); once the CRD is installed (and discovery's recheck is due), the pool whose selector matches the model's
// Deployment is the model's, and a pool selecting other Pods is not.
func TestInferencePoolsDecideWhoseQueue(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	if err := s.client.Create(ctx, newDeployment(ns, "llama-a100", "NVIDIA-A100-SXM4-80GB", 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, "llama-a100", model, "llama-a100", "5", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	httpClient, err := rest.HTTPClientFor(s.env.Config)
	if err != nil {
		t.Fatal(err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(s.env.Config, httpClient)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(s.env.Config)
	if err != nil {
		t.Fatal(err)
	}
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: cs.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	t.Cleanup(broadcaster.Shutdown)
	recorder := broadcaster.NewRecorder(s.client.Scheme(), "wva-integration")
	rec := &poolRecorder{}
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng := engine.New(engine.Options{
		Reader: namespaced{s.client, ns}, Signals: rec, Settings: staticSettings{},
		Status:  status.NewWriter(s.client, s.client, recorder),
		Metrics: actuator.NewMetrics("", nil), Recorder: recorder, RESTMapper: mapper,
		Clock: clk,
	})

	if _, err := mapper.RESTMapping(inventory.InferencePoolGVKs[0].GroupKind(), "v1"); err == nil {
		t.Fatal("an InferencePool CRD is already installed in this environment: the test needs it absent first (nothing else in the suite installs it)")
	}
	eng.RunOnce(ctx, "test")
	if got := rec.get(model); got != nil {
		t.Fatalf("pools %v without the CRD", got)
	}

	crd, err := os.ReadFile("testdata/inferencepool-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.env.ApplyYAML(ctx, string(crd)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("apiextensions.k8s.io/v1")
		u.SetKind("CustomResourceDefinition")
		u.SetName("inferencepools.inference.networking.k8s.io")
		_ = s.client.Delete(context.Background(), u)
	})
	// The engine asks discovery again for an API it found missing once the recheck is due.
	clk.Step(engine.DiscoveryRecheck)
	pools := fmt.Sprintf(`apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: llama-pool, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: llama-a100}}
  targetPorts: [{number: 8000}]
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: mistral-pool, namespace: %[1]s}
spec:
  selector: {matchLabels: {app: mistral}}
`, ns)
	eventually(t, time.Minute, func() error {
		if err := s.env.ApplyYAML(ctx, pools); err != nil {
			return err // the CRD may not be established yet
		}
		eng.RunOnce(ctx, "test")
		if got := rec.get(model); !slices.Equal(got, []string{"llama-pool"}) {
			return fmt.Errorf("pools %v, want [llama-pool]", got)
		}
		return nil
	})
}
