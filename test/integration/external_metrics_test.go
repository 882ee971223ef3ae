package integration

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authentication/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// sampleHPA is config/samples/hpa.yaml for the named Deployment and variant in ns.
func sampleHPA(t *testing.T, ns, name string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/samples/hpa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var h autoscalingv2.HorizontalPodAutoscaler
	if err := yaml.UnmarshalStrict(data, &h); err != nil {
		t.Fatal(err)
	}
	h.Namespace, h.Name, h.Spec.ScaleTargetRef.Name = ns, name, name
	h.Spec.Metrics[0].External.Metric.Selector.MatchLabels["variant_name"] = name
	return &h
}

// With EXTERNAL_METRICS_ADDR set, WVA serves wva_desired_replicas under
// external.metrics.k8s.io itself: registered by an APIService (config/external-metrics'
// RoleBinding lets it read the front proxy's CA), the real HPA controller reads it through
// the aggregation layer and scales the Deployment when WVA's decision changes — no
// Prometheus between WVA and the HPA, no adapter. Callers without credentials or without
// permission are refused.
func TestBuiltInExternalMetricsScaleThroughTheRealHPA(t *testing.T) {
	ctx := context.Background()
	if err := s.env.ApplyFiles(ctx, filepath.Join(repoRoot, "config/external-metrics/auth_reader_rolebinding.yaml")); err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t)
	port := freePort(t)
	m := startManager(t, "external-metrics", "GLOBAL_OPT_INTERVAL=2s", "CONTROLLER_INSTANCE="+ns,
		"EXTERNAL_METRICS_ADDR=127.0.0.1:"+strconv.Itoa(port))
	if err := localenv.RegisterExternalMetrics(ctx, s.env, "wva-external-metrics", "wva", port, nil); err != nil {
		t.Fatalf("%v\n%s", err, m.Log())
	}
	t.Cleanup(func() {
		api := &unstructured.Unstructured{}
		api.SetAPIVersion("apiregistration.k8s.io/v1")
		api.SetKind("APIService")
		api.SetName("v1beta1.external.metrics.k8s.io")
		_ = s.client.Delete(ctx, api)
	})
	cs, err := s.env.Clientset()
	if err != nil {
		t.Fatal(err)
	}

	const name = "llama"
	if err := s.client.Create(ctx, newDeployment(ns, name, "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, name, model, name, "10", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, sampleHPA(t, ns, name)); err != nil {
		t.Fatal(err)
	}
	load := func(kv, waiting float64) {
		for _, p := range podsOf(t, ns, name) {
			s.exp.set(ns, p.Name, model, kv, waiting)
		}
	}
	readyPods(t, ns, name, 1)
	load(0.3, 0)
	wantDesired(t, ns, name, 1, 30*time.Second)
	path := "/apis/external.metrics.k8s.io/v1beta1/namespaces/" + ns + "/wva_desired_replicas"
	eventually(t, 30*time.Second, func() error {
		raw, err := cs.Discovery().RESTClient().Get().AbsPath(path).Param("labelSelector", "variant_name="+name).DoRaw(ctx)
		body := string(raw)
		if err != nil || !strings.Contains(body, `"value":"1"`) || !strings.Contains(body, `"controller_instance":"`+ns+`"`) {
			return fmt.Errorf("kubectl get --raw %s: %v %s", path, err, body)
		}
		return nil
	})
	eventually(t, 30*time.Second, func() error {
		var h autoscalingv2.HorizontalPodAutoscaler
		if err := s.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &h); err != nil {
			return err
		}
		for _, c := range h.Status.Conditions {
			if c.Type == autoscalingv2.ScalingActive && c.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("HPA not reading the metric yet: %+v", h.Status.Conditions)
	})

	// Saturation: WVA decides 2; the HPA follows.
	load(0.95, 8)
	var decided time.Time
	eventually(t, time.Minute, func() error {
		if d, ok := desired(t, ns, name); !ok || d < 2 {
			return fmt.Errorf("desired %d", d)
		}
		decided = time.Now()
		return nil
	})
	eventually(t, time.Minute, func() error {
		var d appsv1.Deployment
		if err := s.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &d); err != nil {
			return err
		}
		if *d.Spec.Replicas < 2 {
			return fmt.Errorf("%d replicas", *d.Spec.Replicas)
		}
		return nil
	})
	t.Logf("REACTION built-in external metrics: decision → HPA scaled the Deployment in %.1fs (HPA sync 5s, poll 250ms)", time.Since(decided).Seconds())

	// Straight to the server: no credentials → 401; a ServiceAccount without the right → 403.
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // the server's certificate is self-signed
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	direct := fmt.Sprintf("https://127.0.0.1:%d%s", port, path)
	if resp, err := hc.Get(direct); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET: %v %v, want 401", err, resp)
	}
	tok := tokenOf(t, cs, ns, "reader")
	req, _ := http.NewRequest(http.MethodGet, direct, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := hc.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET as %s/default: %v %v, want 403", ns, err, resp)
	}
}

// tokenOf creates a ServiceAccount with no permissions and returns a token of it.
func tokenOf(t *testing.T, cs kubernetes.Interface, ns, sa string) string {
	t.Helper()
	ctx := context.Background()
	if err := s.client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa}}); err != nil {
		t.Fatal(err)
	}
	var tok string
	eventually(t, 10*time.Second, func() error {
		r, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authv1.TokenRequest{}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		tok = r.Status.Token
		return nil
	})
	return tok
}
