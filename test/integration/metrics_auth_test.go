package integration

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// By default /metrics is served over HTTPS and only to callers the API server
// authenticates and authorises for it (ClusterRole wva-metrics-reader).
func TestMetricsEndpointIsAuthenticatedAndAuthorisedByDefault(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	port := freePort(t)
	startManager(t, "secure-metrics", "METRICS_SECURE=true", "METRICS_ADDR=127.0.0.1:"+strconv.Itoa(port), "CONTROLLER_INSTANCE="+ns)

	cs, err := s.env.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	token := func(sa string) string {
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		tok, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Status.Token
	}
	reader, stranger := token("prometheus"), token("stranger")
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "wva-metrics-reader-" + ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "wva-metrics-reader"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus", Namespace: ns}},
	}
	if err := s.client.Create(ctx, binding); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.client.Delete(ctx, binding) })

	get := func(tok string) (int, string, error) {
		c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			// The manager serves a self-signed certificate when none is configured.
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // test client of a self-signed loopback server
		}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d/metrics", port), nil)
		if err != nil {
			return 0, "", err
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer func() { _ = resp.Body.Close() }()
		buf := new(strings.Builder)
		_, _ = fmt.Fprint(buf, resp.Status)
		return resp.StatusCode, buf.String(), nil
	}
	eventually(t, patience, func() error {
		code, status, err := get(reader)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("authorised reader got %s (%v)", status, err)
		}
		return nil
	})
	if code, status, err := get(""); err != nil || code != http.StatusUnauthorized {
		t.Errorf("anonymous request got %s (%v), want 401", status, err)
	}
	if code, status, err := get(stranger); err != nil || code != http.StatusForbidden {
		t.Errorf("unauthorised account got %s (%v), want 403", status, err)
	}
}

// alpn is the protocol a TLS client offering HTTP/2 and HTTP/1.1 settles on with the
// server at addr.
func alpn(addr string) (string, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{
		NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // only the protocol is looked at, of a self-signed loopback server
	})
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }()
	return conn.ConnectionState().NegotiatedProtocol, nil
}

// /metrics offers HTTP/2 only when ENABLE_HTTP2=true (the Rapid Reset attacks went
// through HTTP/2's stream handling); otherwise a client asking for h2 gets HTTP/1.1.
func TestMetricsServerOffersHTTP2OnlyWhenEnabled(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range []struct {
		name, env, want string
	}{{"http2-off", "ENABLE_HTTP2=false", "http/1.1"}, {"http2-on", "ENABLE_HTTP2=true", "h2"}} {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		startManager(t, tc.name, tc.env, "METRICS_SECURE=true", "METRICS_ADDR="+addr, "CONTROLLER_INSTANCE="+ns)
		var got string
		eventually(t, 30*time.Second, func() (err error) {
			got, err = alpn(addr)
			return err
		})
		if got != tc.want {
			t.Errorf("%s: the metrics server negotiated %q, want %q", tc.env, got, tc.want)
		}
	}
}

// EXPERIMENTAL_PROACTIVE_MODEL=true runs the HYBRID mode, and the start-up line says so.
func TestProactiveModelRunsTheHybridMode(t *testing.T) {
	m := startManager(t, "proactive", "EXPERIMENTAL_PROACTIVE_MODEL=true", "CONTROLLER_INSTANCE="+newNamespace(t))
	eventually(t, 10*time.Second, func() error {
		if n := strings.Count(m.Log(), `"mode":"HYBRID"`); n != 1 {
			return fmt.Errorf("%d start-up lines with mode HYBRID, want 1", n)
		}
		if strings.Contains(m.Log(), "does not run HYBRID mode") {
			return fmt.Errorf("the controller still says it does not run HYBRID mode")
		}
		return nil
	})
}
