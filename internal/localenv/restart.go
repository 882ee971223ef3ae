package localenv

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/client-go/kubernetes"
)

// RestartEtcd kills etcd (SIGKILL, as a crash would) and starts it again with the same
// data directory and address, then waits until it is healthy. The API server and its
// clients see a storage outage in between; their data is kept.
func (e *Env) RestartEtcd(ctx context.Context) error {
	p, err := e.restart("etcd")
	if err != nil {
		return err
	}
	return p.waitFor(ctx, "health after restart", func() error { return httpOK(ctx, e.etcdURL+"/health") })
}

// RestartAPIServer kills kube-apiserver (SIGKILL) and starts it again on the same address
// with the same flags, then waits until it is ready. Every client's connections and
// watches break in between, as in a control-plane upgrade or crash.
func (e *Env) RestartAPIServer(ctx context.Context) error {
	p, err := e.restart("kube-apiserver")
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	return p.waitFor(ctx, "readyz after restart", func() error {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(body)))
		}
		return nil
	})
}

// restart kills the named component and starts the same command again in its place.
func (e *Env) restart(name string) (*process, error) {
	for i, old := range e.procs {
		if old.name != name {
			continue
		}
		old.kill()
		p, err := startProcess(name, old.cmd.Path, old.cmd.Args[1:], e.Dir)
		if err != nil {
			return nil, fmt.Errorf("restart %s: %w", name, err)
		}
		e.procs[i] = p
		return p, nil
	}
	return nil, fmt.Errorf("restart %s: no such component in this environment", name)
}
