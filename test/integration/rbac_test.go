package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// clientFrom builds a client that authenticates with a kubeconfig's credentials.
func clientFrom(t *testing.T, kubeconfig string) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: s.client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The manager's rules are least privilege, checked with the API server's own RBAC: with
// the metrics-mode rules (config/rbac) a direct-mode scale write is forbidden, no
// ConfigMap or Lease outside WVA's namespace can be read or written, and a VA's spec cannot
// be changed; the account that also has config/components/direct-actuation may scale, and
// nothing more.
func TestManagerRBACIsLeastPrivilege(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	d := newDeployment(ns, "llama-a100", "NVIDIA-A100-SXM4-80GB", 1)
	if err := s.client.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	va := newVA(ns, "llama-a100", model, "llama-a100", "5", map[string]string{instanceLabel: ns})
	if err := s.client.Create(ctx, va); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "someone-elses"}, Data: map[string]string{"secret": "x"}}); err != nil {
		t.Fatal(err)
	}
	scale := func(c client.Client) error {
		return c.SubResource("scale").Update(ctx, d, client.WithSubResourceBody(&autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: d.Name}, Spec: autoscalingv1.ScaleSpec{Replicas: 2}}))
	}
	lease := func(namespace string) *coordinationv1.Lease {
		return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "rbac-test-" + ns}}
	}
	forbidden := func(what string, err error) {
		t.Helper()
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s: got %v, want Forbidden", what, err)
		}
	}
	allowed := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v, want it allowed", what, err)
		}
	}

	for _, acct := range []struct {
		name       string
		kubeconfig string
		direct     bool
	}{{"metrics mode (config/rbac)", s.saConfig, false}, {"direct mode (+ direct-actuation component)", s.directConfig, true}} {
		t.Run(acct.name, func(t *testing.T) {
			c := clientFrom(t, acct.kubeconfig)
			if acct.direct {
				allowed("scale a Deployment", scale(c))
			} else {
				forbidden("scale a Deployment", scale(c))
			}
			forbidden("read a ConfigMap outside WVA's namespace", c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "someone-elses"}, &corev1.ConfigMap{}))
			forbidden("list ConfigMaps of every namespace", c.List(ctx, &corev1.ConfigMapList{}))
			allowed("read WVA's main ConfigMap", c.Get(ctx, client.ObjectKey{Namespace: systemNamespace, Name: config.DefaultConfigMapName}, &corev1.ConfigMap{}))
			forbidden("create a Lease outside WVA's namespace", c.Create(ctx, lease(ns)))
			own := lease(systemNamespace)
			own.Name += fmt.Sprint("-", acct.direct)
			allowed("create a Lease in WVA's namespace", c.Create(ctx, own))
			allowed("delete it again", c.Delete(ctx, own))
			changed := va.DeepCopy()
			changed.Spec.VariantCost = "6"
			forbidden("change a VA's spec", c.Update(ctx, changed))
			forbidden("update a Deployment", c.Update(ctx, d.DeepCopy()))
		})
	}
}

// The kustomize trees say the same: config/default grants no deployments/scale and no
// ConfigMap or Lease access outside WVA's namespace; an overlay with the direct-actuation
// component adds the scale permission and ACTUATION_MODE=direct.
func TestInstallRBACPerActuationMode(t *testing.T) {
	// grants lists "Kind/namespace resource" for every rule of every role.
	grants := func(objs []*unstructured.Unstructured) map[string]bool {
		out := map[string]bool{}
		for _, o := range objs {
			if o.GetKind() != "ClusterRole" && o.GetKind() != "Role" {
				continue
			}
			rules, _, _ := unstructured.NestedSlice(o.Object, "rules")
			for _, r := range rules {
				res, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "resources")
				for _, x := range res {
					out[o.GetKind()+"/"+o.GetNamespace()+" "+x] = true
				}
			}
		}
		return out
	}
	env := func(objs []*unstructured.Unstructured) string {
		for _, o := range objs {
			if o.GetKind() == "Deployment" && o.GetName() == "workload-variant-autoscaler-controller-manager" {
				cs, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
				e, _, _ := unstructured.NestedSlice(cs[0].(map[string]any), "env")
				return fmt.Sprint(e)
			}
		}
		return ""
	}
	metrics := grants(kustomizeWith(t))
	for _, g := range []string{"ClusterRole/ deployments/scale", "ClusterRole/ configmaps", "ClusterRole/ leases"} {
		if metrics[g] {
			t.Errorf("config/default grants %s", g)
		}
	}
	for _, g := range []string{"Role/" + harness.SystemNamespace + " configmaps", "Role/" + harness.SystemNamespace + " leases", "ClusterRole/ pods"} {
		if !metrics[g] {
			t.Errorf("config/default does not grant %s", g)
		}
	}
	directObjs := kustomizeWith(t, harness.DirectActuationDir)
	if !grants(directObjs)["ClusterRole/ deployments/scale"] {
		t.Error("the direct-actuation component does not grant deployments/scale")
	}
	if e := env(directObjs); !strings.Contains(e, "ACTUATION_MODE") || !strings.Contains(e, "direct") {
		t.Errorf("the direct-actuation component does not set ACTUATION_MODE=direct: env %s", e)
	}
}
