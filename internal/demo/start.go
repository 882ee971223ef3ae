package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/workload-variant-autoscaler/wva/internal/gateway"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/internal/podserver"
)

// run is one demo run's components.
type run struct {
	o     Options
	sc    Scenario
	model Model
	log   *slog.Logger
	stop  cleanup

	env     *localenv.Env
	prom    *localenv.Prometheus
	wva     *wvaProcess
	gateway string
	cs      kubernetes.Interface
	dyn     dynamic.Interface
}

func (r *run) progress(format string, args ...any) {
	_, _ = fmt.Fprintf(r.o.Out, format+"\n", args...)
}

// start brings up the environment, Prometheus, model servers, gateway and WVA, and
// installs the model.
func (r *run) start(ctx context.Context) error {
	r.progress("Starting the local environment (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok with fake H100 and A100 nodes)...")
	env, err := localenv.Start(ctx, localenv.Options{BinDir: r.o.ToolsDir, Dir: r.o.EnvDir, Progress: r.o.Out})
	if err != nil {
		return fmt.Errorf("start the local environment: %w", err)
	}
	r.env = env
	r.stop.add(func() { r.progress("Stopping the control plane..."); env.Stop() })
	cs, err := env.Clientset()
	if err != nil {
		return err
	}
	r.cs = cs
	if r.dyn, err = dynamic.NewForConfig(env.Config); err != nil {
		return fmt.Errorf("build dynamic client: %w", err)
	}

	r.progress("Installing WVA's CRD, RBAC and ConfigMaps (config/)...")
	if err := r.install(ctx); err != nil {
		return err
	}
	wvaMetrics, err := freeAddr()
	if err != nil {
		return err
	}
	r.progress("Starting Prometheus (Kubernetes pod discovery, 2s scrapes)...")
	if err := r.startPrometheus(ctx, wvaMetrics); err != nil {
		return err
	}
	if r.o.Actuation == ActuationHPA {
		r.progress("Starting prometheus-adapter (external.metrics.k8s.io serving wva_desired_replicas, rules of config/samples)...")
		rules, err := adapterRules(r.o.RepoDir)
		if err != nil {
			return err
		}
		if _, err := localenv.StartAdapter(ctx, env, r.prom.URL, rules); err != nil {
			return fmt.Errorf("start prometheus-adapter: %w", err)
		}
	}
	r.progress("Starting the model servers (one simulated vLLM per Running Pod, at the Pod's IP) and the gateway...")
	if err := r.startServing(ctx); err != nil {
		return err
	}
	r.progress("Creating model %s with variants %s and %s (Deployments + VariantAutoscalings)...", r.model.ID, r.model.Variants[0].Name, r.model.Variants[1].Name)
	if err := env.ApplyYAML(ctx, r.model.Manifests()); err != nil {
		return fmt.Errorf("create the model: %w", err)
	}
	if r.o.Actuation != ActuationHPA {
		// Direct actuation's permission comes with its optional component, as in an install.
		if err := env.ApplyFiles(ctx, filepath.Join(r.o.RepoDir, "config/components/direct-actuation")); err != nil {
			return fmt.Errorf("grant direct actuation: %w", err)
		}
	}
	if r.o.Actuation == ActuationHPA {
		r.progress("Creating one HPA per variant on wva_desired_replicas (config/samples/hpa.yaml, scale-down window %ds)...", hpaScaleDownWindow)
		if err := env.ApplyYAML(ctx, r.model.HPAManifests(r.o.ScaleToZero)); err != nil {
			return fmt.Errorf("create the HPAs: %w", err)
		}
	}
	r.progress("Starting WVA (bin/wva, actuation %s, decisions every %s, scale to zero %v; settings in ConfigMap %s/%s)...",
		r.o.Actuation, r.o.DecisionInterval, r.o.ScaleToZero, systemNamespace, mainConfigMap)
	if err := env.ApplyYAML(ctx, mainConfigMapYAML(wvaSettings(r.o, r.prom.URL))); err != nil {
		return fmt.Errorf("configure WVA: %w", err)
	}
	saConfig := filepath.Join(env.Dir, "wva-sa.kubeconfig")
	if err := serviceAccountKubeconfig(ctx, env.Config, saConfig); err != nil {
		return err
	}
	wva, err := startWVA(ctx, r.o.WVABin, r.o.ReportDir, wvaMetrics, saConfig)
	if err != nil {
		return err
	}
	r.wva = wva
	r.stop.add(func() { r.progress("Stopping WVA..."); wva.stop() })
	r.progress("Waiting for the first replica of each variant to be Ready (model loading %s)...", r.model.StartupDelay)
	return r.waitReady(ctx)
}

// install applies the CRD, RBAC, namespace and ConfigMaps of config/ (the manager's
// Deployment is not applied: WVA runs here as a process), then the demo's settings.
func (r *run) install(ctx context.Context) error {
	repo := r.o.RepoDir
	if err := r.env.ApplyFiles(ctx, filepath.Join(repo, "config/crd/bases"), filepath.Join(repo, "config/rbac"),
		filepath.Join(repo, "config/manager/namespace.yaml"), filepath.Join(repo, "config/manager/configmaps.yaml")); err != nil {
		return fmt.Errorf("install config/: %w", err)
	}
	zero := fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: model-scale-to-zero-config
  namespace: %s
data:
  default: |
    enable_scale_to_zero: %v
    retention_period: 30s
`, systemNamespace, r.o.ScaleToZero)
	if err := r.env.ApplyYAML(ctx, zero); err != nil {
		return fmt.Errorf("configure scale to zero: %w", err)
	}
	return nil
}

// startPrometheus starts a Prometheus configured like a cluster's: model-server Pods
// through Kubernetes pod discovery, and WVA's metrics endpoint labelled as a Pod of its
// namespace (so prometheus-adapter's rules match as in a cluster).
func (r *run) startPrometheus(ctx context.Context, wvaMetrics string) error {
	dir := filepath.Join(r.env.Dir, "prometheus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create Prometheus folder: %w", err)
	}
	cfg, err := localenv.ClusterPrometheusConfig(r.env.Kubeconfig, filepath.Join(dir, "targets.json"), 2*time.Second)
	if err != nil {
		return err
	}
	prom, err := localenv.StartPrometheus(ctx, localenv.PrometheusOptions{BinDir: r.o.ToolsDir, Dir: dir, ScrapeInterval: 2 * time.Second, ConfigYAML: cfg,
		Targets: []localenv.ScrapeTarget{{Address: wvaMetrics, Labels: map[string]string{"namespace": systemNamespace, "pod": "wva-demo-controller"}}}})
	if err != nil {
		return fmt.Errorf("start Prometheus: %w", err)
	}
	r.prom = prom
	r.stop.add(func() { r.progress("Stopping Prometheus..."); prom.Stop() })
	return nil
}

// startServing runs the pod runner and the gateway until the run stops.
func (r *run) startServing(ctx context.Context) error {
	runner, err := podserver.New(podserver.Options{Client: r.cs, Namespace: r.model.Namespace, LabelSelector: ModelLabel, Logger: r.log.With("component", "podserver")})
	if err != nil {
		return fmt.Errorf("model servers: %w", err)
	}
	gw, err := gateway.New(gateway.Options{Client: r.cs, Namespace: r.model.Namespace, Logger: r.log.With("component", "gateway")})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("gateway listen: %w", err)
	}
	r.gateway = "http://" + ln.Addr().String()
	// Prometheus scrapes the gateway's queue, labelled with the namespace it serves, so
	// that WVA sees requests waiting for a model at zero.
	if err := localenv.WriteTargets(localenv.GatewayTargetsFile(r.prom.TargetsFile), []localenv.ScrapeTarget{
		{Address: ln.Addr().String(), Labels: map[string]string{"namespace": r.model.Namespace}},
	}); err != nil {
		return fmt.Errorf("gateway scrape target: %w", err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() {
		if err := runner.Run(sctx); err != nil {
			r.log.Error("model servers stopped", "err", err)
		}
		done <- struct{}{}
	}()
	go func() {
		if err := gw.Serve(sctx, ln); err != nil {
			r.log.Error("gateway stopped", "err", err)
		}
		done <- struct{}{}
	}()
	r.stop.add(func() {
		r.progress("Stopping the gateway and the model servers...")
		cancel()
		<-done
		<-done
	})
	return nil
}

// waitReady waits until every variant has its starting replicas Ready.
func (r *run) waitReady(ctx context.Context) error {
	deadline := r.o.Clock.Now().Add(3 * time.Minute)
	s := &sampler{model: r.model, cs: r.cs, dyn: r.dyn}
	for {
		vs, err := s.variants(ctx)
		if err == nil {
			ready := true
			for _, v := range r.model.Variants {
				ready = ready && vs[v.Name].Ready >= v.Replicas
			}
			if ready {
				return nil
			}
		}
		if r.o.Clock.Now().After(deadline) {
			return fmt.Errorf("the model's first replicas were not Ready within 3 minutes (last error: %w)", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the first replicas: %w", ctx.Err())
		case <-r.o.Clock.After(500 * time.Millisecond):
		}
	}
}
