package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// The chart and config/ describe one install in two formats. What they have in common must
// agree, so neither drifts silently: the CRD, the permissions granted to the manager's
// ServiceAccount, the ConfigMaps (names, keys, the thresholds they carry), the manager's
// arguments, environment names, probes and security context, and the optional external
// metrics API. Release "workload-variant-autoscaler" in workload-variant-autoscaler-system
// gives the chart the names config/ uses.
func TestChartAndConfigAgree(t *testing.T) {
	const release, ns = "workload-variant-autoscaler", systemNamespace
	cfg, err := harness.Kustomize(filepath.Join(repoRoot, "config/default"))
	if err != nil {
		t.Fatal(err)
	}
	direct := renderChart(t, release, ns, "wva.actuation.mode=direct")
	metrics := renderChart(t, release, ns)

	t.Run("CRD", func(t *testing.T) {
		a, b := harness.Find(cfg, "CustomResourceDefinition", ""), harness.Find(metrics, "CustomResourceDefinition", "")
		if a == nil || b == nil || !reflect.DeepEqual(a.Object["spec"], b.Object["spec"]) {
			t.Error("the chart's CRD differs from config/crd: run `make generate`")
		}
	})

	t.Run("RBAC", func(t *testing.T) {
		sa := harness.ServiceAccount
		// Metrics mode: config/default as it is, the chart by default.
		if d := diff(permissions(t, cfg, ns, sa), permissions(t, metrics, ns, sa)); d != "" {
			t.Errorf("permissions of the manager, config/default vs chart:\n%s", d)
		}
		// Direct mode: config/default with the direct-actuation component, the chart with
		// actuation.mode=direct; both add the scale subresource and nothing else.
		cfgDirect := kustomizeWith(t, harness.DirectActuationDir)
		want, got := permissions(t, cfgDirect, ns, sa), permissions(t, direct, ns, sa)
		if d := diff(want, got); d != "" {
			t.Errorf("permissions of the manager, config/default + %s vs chart with actuation.mode=direct:\n%s", harness.DirectActuationDir, d)
		}
		var scale []string
		for _, p := range want {
			if strings.Contains(p, "|apps|deployments/scale|") {
				scale = append(scale, p)
			}
		}
		if d := diff(without(want, scale), permissions(t, cfg, ns, sa)); d != "" || len(scale) == 0 {
			t.Errorf("direct mode should add only deployments/scale (%v):\n%s", scale, d)
		}
		if !reflect.DeepEqual(clusterRoleRules(t, cfg, "wva-metrics-reader"), clusterRoleRules(t, metrics, release+"-metrics-reader")) {
			t.Error("the metrics reader ClusterRole differs")
		}
	})

	t.Run("ConfigMaps", func(t *testing.T) {
		a, b := configMaps(t, cfg), configMaps(t, metrics)
		if !reflect.DeepEqual(keys(a), keys(b)) {
			t.Fatalf("ConfigMaps config/ %v, chart %v", keys(a), keys(b))
		}
		for name, data := range a {
			for k, v := range data {
				cv, ok := b[name][k]
				if !ok {
					t.Errorf("ConfigMap %s: key %s is in config/ but not in the chart", name, k)
					continue
				}
				if name == "workload-variant-autoscaler-variantautoscaling-config" {
					continue // values are the user's to set; the keys must exist in both
				}
				var av, bv any
				if err := yaml.Unmarshal([]byte(v), &av); err != nil {
					t.Fatal(err)
				}
				if err := yaml.Unmarshal([]byte(cv), &bv); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(av, bv) {
					t.Errorf("ConfigMap %s key %s: config/ %v, chart %v", name, k, av, bv)
				}
			}
		}
	})

	t.Run("Deployment", func(t *testing.T) {
		a, b := managerContainer(t, cfg), managerContainer(t, metrics)
		if d := diff(envNames(a), envNames(b)); d != "" && !subset(envNames(a), envNames(b)) {
			t.Errorf("environment names: config/ has some the chart lacks:\n%s", d)
		}
		if !reflect.DeepEqual(a.Args, b.Args) {
			t.Errorf("args config/ %v, chart %v", a.Args, b.Args)
		}
		if !reflect.DeepEqual(a.LivenessProbe, b.LivenessProbe) || !reflect.DeepEqual(a.ReadinessProbe, b.ReadinessProbe) {
			t.Error("probes differ")
		}
		if !reflect.DeepEqual(a.SecurityContext, b.SecurityContext) || !reflect.DeepEqual(a.Resources, b.Resources) {
			t.Error("security context or resources differ")
		}
		if !reflect.DeepEqual(portNames(a), portNames(b)) {
			t.Errorf("ports config/ %v, chart %v", portNames(a), portNames(b))
		}
	})

	t.Run("ExternalMetrics", func(t *testing.T) {
		cfgX := kustomizeWith(t, "config/external-metrics")
		chartX := renderChart(t, release, ns, "wva.externalMetrics.enabled=true")
		if d := diff(permissions(t, cfgX, ns, harness.ServiceAccount), permissions(t, chartX, ns, harness.ServiceAccount)); d != "" {
			t.Errorf("permissions with the external metrics API:\n%s", d)
		}
		a, b := managerContainer(t, cfgX), managerContainer(t, chartX)
		if !subset(envNames(a), envNames(b)) || !reflect.DeepEqual(portNames(a), portNames(b)) {
			t.Errorf("env %v / %v, ports %v / %v", envNames(a), envNames(b), portNames(a), portNames(b))
		}
		as, bs := harness.Find(cfgX, "APIService", ""), harness.Find(chartX, "APIService", "")
		if as == nil || bs == nil || as.GetName() != bs.GetName() || !reflect.DeepEqual(as.Object["spec"], bs.Object["spec"]) {
			t.Errorf("APIService config/ %v, chart %v", as, bs)
		}
	})
}

// kustomizeWith renders config/default with the given components (paths from the
// repository root), as an overlay of the user's would.
func kustomizeWith(t *testing.T, components ...string) []*unstructured.Unstructured {
	t.Helper()
	overlay := t.TempDir()
	// kustomize takes only relative paths to other folders.
	rel := func(p string) string {
		a, _ := filepath.Abs(filepath.Join(repoRoot, p))
		r, err := filepath.Rel(overlay, a)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var cs []string
	for _, c := range components {
		cs = append(cs, rel(c))
	}
	k := fmt.Sprintf("resources: [%s]\ncomponents: [%s]\n", rel("config/default"), strings.Join(cs, ", "))
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, err := harness.Kustomize(overlay)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// permissions lists what the ServiceAccount ns/sa may do, one "scope|group|resource|verb"
// per line, from the (Cluster)RoleBindings among objs; a Role not among objs (a built-in
// one) appears by name.
func permissions(t *testing.T, objs []*unstructured.Unstructured, ns, sa string) []string {
	t.Helper()
	rules := map[string][]rbacv1.PolicyRule{}
	for _, o := range objs {
		if o.GetKind() == "ClusterRole" || o.GetKind() == "Role" {
			var r rbacv1.ClusterRole
			convert(t, o, &r)
			rules[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = r.Rules
		}
	}
	set := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() != "ClusterRoleBinding" && o.GetKind() != "RoleBinding" {
			continue
		}
		var b rbacv1.RoleBinding
		convert(t, o, &b)
		bound := slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == "ServiceAccount" && s.Name == sa && s.Namespace == ns
		})
		if !bound {
			continue
		}
		scope := "cluster"
		if o.GetKind() == "RoleBinding" {
			scope = "namespace " + o.GetNamespace()
		}
		roleNS := ""
		if b.RoleRef.Kind == "Role" {
			roleNS = o.GetNamespace()
		}
		rs, ok := rules[b.RoleRef.Kind+"/"+roleNS+"/"+b.RoleRef.Name]
		if !ok {
			set[scope+"|built-in "+b.RoleRef.Kind+" "+b.RoleRef.Name] = true
			continue
		}
		for _, r := range rs {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						set[fmt.Sprintf("%s|%s|%s|%s", scope, g, res, v)] = true
					}
				}
			}
			for _, u := range r.NonResourceURLs {
				for _, v := range r.Verbs {
					set[fmt.Sprintf("%s|url|%s|%s", scope, u, v)] = true
				}
			}
		}
	}
	return keys(set)
}

func clusterRoleRules(t *testing.T, objs []*unstructured.Unstructured, name string) []rbacv1.PolicyRule {
	t.Helper()
	o := harness.Find(objs, "ClusterRole", name)
	if o == nil {
		t.Fatalf("no ClusterRole %s", name)
	}
	var r rbacv1.ClusterRole
	convert(t, o, &r)
	return r.Rules
}

func configMaps(t *testing.T, objs []*unstructured.Unstructured) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" {
			var cm corev1.ConfigMap
			convert(t, o, &cm)
			out[cm.Name] = cm.Data
		}
	}
	return out
}

func convert(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

func envNames(c corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		out = append(out, e.Name)
	}
	sort.Strings(out)
	return out
}

func portNames(c corev1.Container) []string {
	var out []string
	for _, p := range c.Ports {
		out = append(out, fmt.Sprintf("%s:%d", p.Name, p.ContainerPort))
	}
	sort.Strings(out)
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func without(list, drop []string) []string {
	var out []string
	for _, l := range list {
		if !slices.Contains(drop, l) {
			out = append(out, l)
		}
	}
	return out
}

func subset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) {
			return false
		}
	}
	return true
}

// diff lists the lines only in want (-) or only in got (+); "" when equal.
func diff(want, got []string) string {
	var b strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "+ %s\n", g)
		}
	}
	return b.String()
}
