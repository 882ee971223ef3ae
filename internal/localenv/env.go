package localenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Env is a running local environment. Stop ends every process it started.
type Env struct {
	// Dir holds certificates, the kubeconfig, data and logs.
	Dir string
	// Kubeconfig is the path of an admin kubeconfig for kubectl and clients.
	Kubeconfig string
	// Config is the admin client configuration.
	Config *rest.Config
	// PodCIDR is the loopback range Pod IPs come from.
	PodCIDR string
	// BinDir is where the component binaries are.
	BinDir string

	opts    Options
	pki     *pki
	procs   []*process
	etcdURL string
	ownsDir bool
}

// Start brings up etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok,
// registers the fake GPU nodes and waits until they are Ready. On error everything already
// started is stopped again.
func Start(ctx context.Context, opts Options) (*Env, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	e := &Env{Dir: opts.Dir, PodCIDR: opts.PodCIDR, BinDir: opts.BinDir, opts: opts}
	if e.Dir == "" {
		if e.Dir, err = os.MkdirTemp("", "wva-localenv-"); err != nil {
			return nil, fmt.Errorf("create environment directory: %w", err)
		}
		e.ownsDir = true
	} else if err := os.MkdirAll(e.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create environment directory: %w", err)
	}
	if err := e.start(ctx); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

func (e *Env) start(ctx context.Context) error {
	steps := []struct {
		what string
		run  func(context.Context) error
	}{
		{"certificates", e.writeCertificates},
		{"etcd", e.startEtcd},
		{"kube-apiserver", e.startAPIServer},
		{"kube-controller-manager", e.startControllerManager},
		{"kube-scheduler", e.startScheduler},
		{"kwok", e.startKwok},
		{"fake GPU nodes", e.registerNodes},
	}
	if e.opts.ControlPlaneOnly {
		steps = steps[:3]
	}
	for i, s := range steps {
		began := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("start %s: %w", s.what, err)
		}
		_, _ = fmt.Fprintf(e.opts.Progress, "[%d/%d] %s ready (%.1fs)\n", i+1, len(steps), s.what, time.Since(began).Seconds())
	}
	return nil
}

func (e *Env) writeCertificates(context.Context) error {
	p, err := writePKI(e.Dir, time.Now())
	if err != nil {
		return err
	}
	e.pki = p
	return nil
}

// Clientset returns a typed client with admin rights.
func (e *Env) Clientset() (*kubernetes.Clientset, error) {
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		return nil, fmt.Errorf("build clientset: %w", err)
	}
	return cs, nil
}

// Stop ends every component, newest first, and removes the directory if Start made it.
func (e *Env) Stop() {
	for i := len(e.procs) - 1; i >= 0; i-- {
		e.procs[i].stop(10 * time.Second)
	}
	e.procs = nil
	if e.ownsDir {
		_ = os.RemoveAll(e.Dir)
	}
}

// LogFiles returns each component's log file by component name.
func (e *Env) LogFiles() map[string]string {
	out := map[string]string{}
	for _, p := range e.procs {
		out[p.name] = p.logPath
	}
	return out
}

// DumpLogs writes the last lines of every component's log, for a failing test to show.
func (e *Env) DumpLogs(w io.Writer, lines int) {
	files := e.LogFiles()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		_, _ = fmt.Fprintf(w, "===== %s (%s), last %d lines =====\n%s\n", n, files[n], lines, tail(files[n], lines))
	}
}

// Healthy returns an error naming every component that has exited.
func (e *Env) Healthy() error {
	var errs []error
	for _, p := range e.procs {
		if done, err := p.exited(); done {
			errs = append(errs, fmt.Errorf("%s exited: %w", p.name, err))
		}
	}
	return errors.Join(errs...)
}

func (e *Env) bin(name string) string { return filepath.Join(e.BinDir, name) }

func (e *Env) run(name string, args ...string) (*process, error) {
	p, err := startProcess(name, e.bin(name), args, e.Dir)
	if err != nil {
		return nil, err
	}
	e.procs = append(e.procs, p)
	return p, nil
}
