package contract

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// The release the chart is rendered as: its names are then the guide's.
const chartRelease, chartNamespace = "workload-variant-autoscaler", "workload-variant-autoscaler-system"

// chartSetting is how the Helm chart sets one setting the guide names.
type chartSetting struct {
	// set are the --set assignments that give the setting the value want.
	set []string
	// want is the value the manager must resolve (compared in the key's canonical form).
	want string
	// chartDefault, when set, is the chart's default where it deliberately differs from
	// WVA's built-in one; why says why.
	chartDefault, why string
	// asKey is the key the setting reaches the manager as, when not its own (a token
	// comes as the file that holds it).
	asKey string
}

// chartSettings covers every setting the guide names: a setting the guide names that is
// not here fails the test, so the chart cannot fall behind the guide.
var chartSettings = map[string]chartSetting{
	config.KeyPrometheusBaseURL: {set: []string{"wva.prometheus.baseURL=https://prom.example:9091"}, want: "https://prom.example:9091",
		chartDefault: "https://prometheus-k8s.monitoring.svc:9091", why: "the setting is required; the chart points at kube-prometheus's"},
	config.KeyPrometheusTLSInsecureSkipVerify: {set: []string{"wva.prometheus.tls.insecureSkipVerify=true"}, want: "true"},
	config.KeyPrometheusCACertPath:            {set: []string{"wva.prometheus.tls.caConfigMap=prom-ca"}, want: "/etc/wva/prometheus-ca/ca.crt"},
	config.KeyPrometheusClientCertPath:        {set: []string{"wva.prometheus.tls.clientCertSecret=prom-client"}, want: "/etc/wva/prometheus-client/tls.crt"},
	config.KeyPrometheusClientKeyPath:         {set: []string{"wva.prometheus.tls.clientCertSecret=prom-client"}, want: "/etc/wva/prometheus-client/tls.key"},
	config.KeyPrometheusServerName:            {set: []string{"wva.prometheus.tls.serverName=prom.example"}, want: "prom.example"},
	config.KeyPrometheusBearerToken: {set: []string{"wva.prometheus.bearerToken.secretName=prom-token"}, want: "/etc/wva/prometheus-token/token",
		asKey: config.KeyPrometheusBearerTokenFile},
	config.KeyGlobalOptInterval: {set: []string{"wva.optimizationInterval=2m"}, want: "2m"},
	config.KeyMetricsAddr: {set: []string{"wva.metrics.port=9443"}, want: ":9443",
		chartDefault: ":8443", why: "the default metrics actuation publishes on /metrics (config/manager serves :8443 too)"},
	config.KeyProbeAddr:            {set: []string{"wva.probes.port=9081"}, want: ":9081"},
	config.KeyEnableLeaderElection: {set: []string{"wva.leaderElection.enabled=false"}, want: "false", chartDefault: "true", why: "the chart runs two replicas"},
	config.KeyLeaderElectionID:     {set: []string{"wva.leaderElection.id=my-election-id"}, want: "my-election-id"},
	config.KeyScaleToZero:          {set: []string{"wva.scaleToZero=true"}, want: "true"},
	config.KeyLimitedMode:          {set: []string{"wva.limitedMode=true"}, want: "true"},
	config.KeyProactiveModel:       {set: []string{"wva.proactiveModel=true"}, want: "true"},
	config.KeyControllerInstance:   {set: []string{"wva.controllerInstance=instance-a"}, want: "instance-a"},
	config.KeyConfigMapName: {want: chartRelease + "-variantautoscaling-config",
		chartDefault: chartRelease + "-variantautoscaling-config", why: "the guide: auto-generated from the Helm release"},
	config.KeyPodNamespace: {want: chartNamespace, chartDefault: chartNamespace, why: "the release's namespace, from the Pod's own"},
}

// guideSettings lists every WVA setting the guide names: as a variable, a ConfigMap key or a
// flag (--metrics-addr names METRICS_ADDR).
func guideSettings(guide string) []string {
	known := config.KnownKeys()
	found := map[string]bool{}
	for _, w := range regexp.MustCompile(`[A-Z][A-Z0-9_]{3,}`).FindAllString(guide, -1) {
		if slices.Contains(known, w) {
			found[w] = true
		}
	}
	for _, f := range regexp.MustCompile(`--([a-z][a-z0-9-]+)`).FindAllStringSubmatch(guide, -1) {
		if k := strings.ToUpper(strings.ReplaceAll(f[1], "-", "_")); slices.Contains(known, k) {
			found[k] = true
		}
	}
	return keys(found)
}

// TestChartValuesReachTheManager renders the chart and resolves the manager's configuration
// from what it renders (the container's flags and environment, the main ConfigMap it names,
// the files its volumes mount) with the manager's own loader. For every setting the guide
// names, the chart's default is WVA's (or a documented exception), and a value set through
// the chart's values reaches the manager under the setting's own name.
func TestChartValuesReachTheManager(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("testdata", guide))
	if err != nil {
		t.Fatal(err)
	}
	named := guideSettings(string(text))
	if len(named) < 10 {
		t.Fatalf("found only %v in the guide: the reader is broken", named)
	}
	builtin, err := loadDefaults()
	if err != nil {
		t.Fatal(err)
	}
	chartDefaults, err := chartConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range named {
		t.Run(key, func(t *testing.T) {
			cs, ok := chartSettings[key]
			if !ok {
				t.Fatalf("the guide names %s, but the chart has no value for it: add one (and a row here)", key)
			}
			reach := cmp.Or(cs.asKey, key)
			wantDefault, _ := builtin.Value(reach)
			if cs.chartDefault != "" {
				wantDefault = canonical(t, reach, cs.chartDefault)
			}
			if got, _ := chartDefaults.Value(reach); got != wantDefault {
				t.Errorf("with the chart's defaults the manager has %s=%q, want %q %s", reach, got, wantDefault, cs.why)
			}
			cfg, err := chartConfig(cs.set...)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := valueOf(cfg, reach), canonical(t, reach, cs.want); got != want {
				t.Errorf("--set %v: the manager has %s=%q (from %s), want %q", cs.set, reach, got, cfg.Origin(reach), want)
			}
			if builtinValue, _ := builtin.Value(reach); cs.want != builtinValue && cfg.Origin(reach) == config.LayerDefault {
				t.Errorf("--set %v: %s is still WVA's default: the chart does not pass it under its name", cs.set, reach)
			}
		})
	}
	t.Run("wva.configMap.immutable", func(t *testing.T) {
		objs, err := harness.HelmTemplate(repoRoot(), chartRelease, chartNamespace, "--set", "wva.configMap.immutable=true")
		if err != nil {
			t.Fatal(err)
		}
		cm := harness.Find(objs, "ConfigMap", chartRelease+"-variantautoscaling-config")
		if immutable, _, _ := unstructured.NestedBool(cm.Object, "immutable"); cm == nil || !immutable {
			t.Error("--set wva.configMap.immutable=true does not render an immutable main ConfigMap")
		}
	})
}

// valueOf is a key's value, with the token keys compared by their files.
func valueOf(cfg config.Config, key string) string {
	v, _ := cfg.Value(key)
	return v
}

// canonical is how the manager reports a key set to value, to compare a rendering with.
func canonical(t *testing.T, key, value string) string {
	t.Helper()
	env := baseEnv()
	env[key] = value
	if key == config.KeyPrometheusClientCertPath || key == config.KeyPrometheusClientKeyPath {
		env[config.KeyPrometheusClientCertPath], env[config.KeyPrometheusClientKeyPath] = "/c", "/k"
		env[key] = value
	}
	cfg, err := load(nil, env, nil)
	if err != nil {
		t.Fatalf("%s=%q is not a valid value: %v", key, value, err)
	}
	return valueOf(cfg, key)
}

// chartConfig renders the chart with the assignments and loads the manager's configuration
// from the rendering, as the manager would read it in the cluster.
func chartConfig(set ...string) (config.Config, error) {
	objs, err := renderChart(set...)
	if err != nil {
		return config.Config{}, err
	}
	return managerConfig(objs, set)
}

// renderChart renders the chart with the --set assignments.
func renderChart(set ...string) ([]*unstructured.Unstructured, error) {
	var args []string
	for _, s := range set {
		args = append(args, "--set", s)
	}
	objs, err := harness.HelmTemplate(repoRoot(), chartRelease, chartNamespace, args...)
	if err != nil {
		return nil, fmt.Errorf("render the chart (the helm of `make tools`, WVA_TOOLS_BIN=%q): %w", os.Getenv("WVA_TOOLS_BIN"), err)
	}
	return objs, nil
}

// managerConfig loads the manager's configuration from a rendering of the chart (rendered
// with the assignments set, named in errors), as the manager would read it in the cluster.
func managerConfig(objs []*unstructured.Unstructured, set []string) (config.Config, error) {
	u := harness.Find(objs, "Deployment", "")
	if u == nil {
		return config.Config{}, errors.New("the chart renders no Deployment")
	}
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &d); err != nil {
		return config.Config{}, err
	}
	var c *corev1.Container
	for i := range d.Spec.Template.Spec.Containers {
		if d.Spec.Template.Spec.Containers[i].Name == "manager" {
			c = &d.Spec.Template.Spec.Containers[i]
		}
	}
	if c == nil {
		return config.Config{}, errors.New("the chart's Deployment has no manager container")
	}
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env[e.Name] = chartNamespace
		default:
			return config.Config{}, fmt.Errorf("environment variable %s comes from %+v, which this test cannot resolve", e.Name, e.ValueFrom)
		}
	}
	var cmData map[string]string
	if name := env[config.KeyConfigMapName]; name != "" {
		cm := harness.Find(objs, "ConfigMap", name)
		if cm == nil {
			return config.Config{}, fmt.Errorf("CONFIG_MAP_NAME=%s, but the chart renders no such ConfigMap", name)
		}
		var m corev1.ConfigMap
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(cm.Object, &m); err != nil {
			return config.Config{}, err
		}
		cmData = m.Data
	}
	// A file exists when a volume is mounted at a directory holding it.
	exists := func(path string) bool {
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/") || path == m.MountPath {
				return true
			}
		}
		return false
	}
	cfg, err := config.Load(append(slices.Clone(c.Command[min(len(c.Command), 1):]), c.Args...),
		func(k string) (string, bool) { v, ok := env[k]; return v, ok }, cmData, exists)
	if err != nil {
		return config.Config{}, fmt.Errorf("the manager would not start with the chart's rendering (--set %v): %w", set, err)
	}
	return cfg, nil
}

// repoRoot is the repository's root, from this package's folder.
func repoRoot() string { return filepath.Join("..", "..") }

// keys returns a set's members, sorted.
func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
