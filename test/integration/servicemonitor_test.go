package integration

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// kustomizeBuild renders a kustomize directory with kubectl, as `kubectl apply -k` would.
func kustomizeBuild(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	out, err := exec.Command(filepath.Join(s.env.BinDir, "kubectl"), "kustomize", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, out)
	}
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); err != nil {
			break
		}
		if len(u.Object) > 0 {
			objs = append(objs, &u)
		}
	}
	return objs
}

func findObject(t *testing.T, objs []*unstructured.Unstructured, kind string, match func(*unstructured.Unstructured) bool) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && (match == nil || match(o)) {
			return o
		}
	}
	t.Fatalf("config/prometheus renders no matching %s", kind)
	return nil
}

// selfSigned writes what cert-manager's selfSigned issuer puts in the Secret: a
// certificate for the DNS names signed by its own key, as tls.crt and ca.crt, and tls.key.
func selfSigned(t *testing.T, dir string, dnsNames []string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: dnsNames[0]}, DNSNames: dnsNames,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	for name, data := range map[string][]byte{"tls.crt": certPEM, "ca.crt": certPEM,
		"tls.key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// The ServiceMonitor of config/prometheus verifies WVA's metrics certificate instead of
// skipping verification: its CA is the cert-manager Certificate's Secret, its server name
// the metrics Service's DNS name the Certificate is issued for, and the manager serves that
// Secret. Shown with a real Prometheus scraping the built manager with the TLS settings
// the Prometheus Operator derives from the ServiceMonitor.
// verifiedEndpoint is what a ServiceMonitor's endpoint verifies WVA's metrics with.
type verifiedEndpoint struct {
	serverName, caSecret, caKey, path string
	dnsNames                          []string
	endpoint                          map[string]any
}

// verifiedServiceMonitor checks that an install's ServiceMonitor verifies the metrics
// certificate: no insecureSkipVerify, a server name that is the metrics Service's DNS name,
// a CA from the Secret a cert-manager Certificate for that name fills, and a manager that
// serves that Secret (METRICS_CERT_PATH and its volume).
func verifiedServiceMonitor(t *testing.T, source string, objs []*unstructured.Unstructured) verifiedEndpoint {
	t.Helper()
	sm := findObject(t, objs, "ServiceMonitor", nil)
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(endpoints) != 1 {
		t.Fatalf("%s: ServiceMonitor has %d endpoints, want 1", source, len(endpoints))
	}
	ep := endpoints[0].(map[string]any)
	if skip, _, _ := unstructured.NestedBool(ep, "tlsConfig", "insecureSkipVerify"); skip {
		t.Fatalf("%s: the ServiceMonitor skips TLS verification (tlsConfig.insecureSkipVerify: true)", source)
	}
	var v verifiedEndpoint
	v.endpoint = ep
	v.serverName, _, _ = unstructured.NestedString(ep, "tlsConfig", "serverName")
	v.caSecret, _, _ = unstructured.NestedString(ep, "tlsConfig", "ca", "secret", "name")
	v.caKey, _, _ = unstructured.NestedString(ep, "tlsConfig", "ca", "secret", "key")
	v.path, _, _ = unstructured.NestedString(ep, "path")
	if v.serverName == "" || v.caSecret == "" || v.caKey == "" {
		t.Fatalf("%s: the ServiceMonitor's tlsConfig names no server name and CA: %v", source, ep["tlsConfig"])
	}
	svc := findObject(t, objs, "Service", func(u *unstructured.Unstructured) bool {
		ports, _, _ := unstructured.NestedSlice(u.Object, "spec", "ports")
		return u.GetNamespace() == systemNamespace && len(ports) > 0 && ports[0].(map[string]any)["name"] == "metrics"
	})
	if want := svc.GetName() + "." + svc.GetNamespace() + ".svc"; v.serverName != want {
		t.Errorf("%s: serverName %q, want the metrics Service's name %q", source, v.serverName, want)
	}
	cert := findObject(t, objs, "Certificate", func(u *unstructured.Unstructured) bool {
		name, _, _ := unstructured.NestedString(u.Object, "spec", "secretName")
		return name == v.caSecret
	})
	v.dnsNames, _, _ = unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	if !slices.Contains(v.dnsNames, v.serverName) {
		t.Errorf("%s: the Certificate is issued for %v, not for the ServiceMonitor's server name %q", source, v.dnsNames, v.serverName)
	}
	issuer, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name")
	issuerKind, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "kind")
	if issuerKind != "ClusterIssuer" {
		findObject(t, objs, "Issuer", func(u *unstructured.Unstructured) bool { return u.GetName() == issuer })
	}
	mgr := findObject(t, objs, "Deployment", nil)
	var d struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(mgr.Object, &d); err != nil {
		t.Fatal(err)
	}
	podSpec := d.Spec.Template.Spec
	certPath := ""
	for _, e := range podSpec.Containers[0].Env {
		if e.Name == "METRICS_CERT_PATH" {
			certPath = e.Value
		}
	}
	mounted := false
	for _, m := range podSpec.Containers[0].VolumeMounts {
		for _, vol := range podSpec.Volumes {
			if m.Name == vol.Name && m.MountPath == certPath && vol.Secret != nil && vol.Secret.SecretName == v.caSecret {
				mounted = true
			}
		}
	}
	if certPath == "" || !mounted {
		t.Fatalf("%s: the manager does not serve the Secret %s (METRICS_CERT_PATH %q, mounted %v)", source, v.caSecret, certPath, mounted)
	}
	return v
}

// The chart's ServiceMonitor verifies the metrics certificate as config/prometheus's does,
// and scrapes the same way (scheme, path, token); with a Secret of the user's own instead
// of cert-manager, that Secret is served and verified. A chart that cannot verify does not
// render.
func TestChartServiceMonitorVerifiesTheMetricsCertificate(t *testing.T) {
	const release = "workload-variant-autoscaler"
	cfg := verifiedServiceMonitor(t, "config/prometheus", kustomizeBuild(t, filepath.Join(repoRoot, "config/prometheus")))
	chart := verifiedServiceMonitor(t, "chart", renderChart(t, release, systemNamespace, "serviceMonitor.enabled=true"))
	for _, f := range []string{"scheme", "path", "port", "bearerTokenFile"} {
		if cfg.endpoint[f] != chart.endpoint[f] {
			t.Errorf("ServiceMonitor endpoint %s: config/prometheus %v, chart %v", f, cfg.endpoint[f], chart.endpoint[f])
		}
	}
	if cfg.serverName != chart.serverName || cfg.caKey != chart.caKey || !slices.Equal(cfg.dnsNames, chart.dnsNames) {
		t.Errorf("verification differs: config/prometheus %s %s %v, chart %s %s %v",
			cfg.serverName, cfg.caKey, cfg.dnsNames, chart.serverName, chart.caKey, chart.dnsNames)
	}

	// A Secret of the user's own: served by the manager and verified, no cert-manager objects.
	own := renderChart(t, release, systemNamespace, "serviceMonitor.enabled=true", "serviceMonitor.certSecret=my-metrics-cert")
	sm := findObject(t, own, "ServiceMonitor", nil)
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	ca, _, _ := unstructured.NestedString(endpoints[0].(map[string]any), "tlsConfig", "ca", "secret", "name")
	if ca != "my-metrics-cert" || harness.Find(own, "Certificate", "") != nil || harness.Find(own, "Issuer", "") != nil {
		t.Errorf("with serviceMonitor.certSecret the CA is %q and cert-manager objects are rendered: %v", ca, harness.Find(own, "Certificate", ""))
	}
	mgr := managerContainer(t, own)
	if !slices.ContainsFunc(mgr.Env, func(e corev1.EnvVar) bool { return e.Name == "METRICS_CERT_PATH" }) {
		t.Error("with serviceMonitor.certSecret the manager does not serve it (no METRICS_CERT_PATH)")
	}
}

func TestServiceMonitorVerifiesTheMetricsCertificate(t *testing.T) {
	objs := kustomizeBuild(t, filepath.Join(repoRoot, "config/prometheus"))
	v := verifiedServiceMonitor(t, "config/prometheus", objs)
	serverName, caKey, path, dnsNames := v.serverName, v.caKey, v.path, v.dnsNames

	// What the Secret holds, served by the built manager as the Deployment mounts it.
	certDir := t.TempDir()
	selfSigned(t, certDir, dnsNames)
	ns := newNamespace(t)
	port := freePort(t)
	startManager(t, "verified-metrics", "METRICS_SECURE=true", "METRICS_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"METRICS_CERT_PATH="+certDir, "CONTROLLER_INSTANCE="+ns)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(metricsReaderToken(t, ns)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Prometheus as the Operator configures it from the endpoint: https, the path, the
	// CA from the Secret's key, the server name, the bearer token.
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
- job_name: wva
  scheme: https
  metrics_path: %s
  authorization: {credentials_file: %s}
  tls_config: {ca_file: %s, server_name: %s, insecure_skip_verify: false}
  static_configs: [{targets: ["127.0.0.1:%d"]}]
`, path, tokenFile, filepath.Join(certDir, caKey), serverName, port)
	prom, err := localenv.StartPrometheus(context.Background(), localenv.PrometheusOptions{BinDir: s.env.BinDir, Dir: t.TempDir(), ConfigYAML: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	eventually(t, 30*time.Second, func() error {
		body, err := harness.HTTPGet(prom.URL + "/api/v1/targets")
		if err != nil {
			return err
		}
		if !strings.Contains(body, `"health":"up"`) {
			return fmt.Errorf("the scrape is not up: %s", body)
		}
		return nil
	})
}

// metricsReaderToken is a token of a ServiceAccount bound to wva-metrics-reader, as
// Prometheus's would be.
func metricsReaderToken(t *testing.T, ns string) string {
	t.Helper()
	ctx := context.Background()
	cs, err := s.env.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "prometheus"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "wva-metrics-reader-" + ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "wva-metrics-reader"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus", Namespace: ns}},
	}
	if err := s.client.Create(ctx, binding); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.client.Delete(ctx, binding) })
	tok, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "prometheus", &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Status.Token
}
