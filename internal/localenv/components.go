package localenv

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
)

func (e *Env) startEtcd(ctx context.Context) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	client, peer := "http://"+hostPort(ports[0]), "http://"+hostPort(ports[1])
	p, err := e.run("etcd",
		"--name=default",
		"--data-dir="+filepath.Join(e.Dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=default="+peer,
		"--unsafe-no-fsync=true",
		"--quota-backend-bytes=4294967296",
		"--log-level=warn",
	)
	if err != nil {
		return err
	}
	e.etcdURL = client
	return p.waitFor(ctx, "health", func() error { return httpOK(ctx, client+"/health") })
}

func (e *Env) startAPIServer(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	args := []string{
		"--etcd-servers=" + e.etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--endpoint-reconciler-type=none",
		"--tls-cert-file=" + e.pki.serverCert, "--tls-private-key-file=" + e.pki.serverKey,
		"--client-ca-file=" + e.pki.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + e.pki.saPub,
		"--service-account-signing-key-file=" + e.pki.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		"--requestheader-client-ca-file=" + e.pki.frontProxyCA,
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + e.pki.frontProxyClientCert,
		"--proxy-client-key-file=" + e.pki.frontProxyKey,
		"--enable-aggregator-routing=false",
		"--event-ttl=1h",
	}
	args = append(args, e.opts.APIServerArgs...)
	p, err := e.run("kube-apiserver", args...)
	if err != nil {
		return err
	}
	e.Config = e.adminConfig("https://" + hostPort(port))
	if e.Kubeconfig, err = e.writeKubeconfig(); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	return p.waitFor(ctx, "readyz", func() error {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(body)))
		}
		return nil
	})
}

func (e *Env) startControllerManager(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + e.Kubeconfig,
		"--authentication-kubeconfig=" + e.Kubeconfig,
		"--authorization-kubeconfig=" + e.Kubeconfig,
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
		"--leader-elect=false",
		"--service-account-private-key-file=" + e.pki.saKey,
		"--root-ca-file=" + e.pki.caCert,
		"--use-service-account-credentials=false",
		"--horizontal-pod-autoscaler-sync-period=" + e.opts.HPASyncPeriod.String(),
		"--feature-gates=HPAScaleToZero=true",
	}
	args = append(args, e.opts.ControllerManagerArgs...)
	p, err := e.run("kube-controller-manager", args...)
	if err != nil {
		return err
	}
	return p.waitFor(ctx, "healthz", func() error { return httpsOK(ctx, port) })
}

func (e *Env) startScheduler(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p, err := e.run("kube-scheduler",
		"--kubeconfig="+e.Kubeconfig,
		"--authentication-kubeconfig="+e.Kubeconfig,
		"--authorization-kubeconfig="+e.Kubeconfig,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(port),
		"--leader-elect=false",
	)
	if err != nil {
		return err
	}
	return p.waitFor(ctx, "healthz", func() error { return httpsOK(ctx, port) })
}

// httpOK checks that a plain-HTTP endpoint answers 200.
func httpOK(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	return nil
}
