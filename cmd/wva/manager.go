package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"slices"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/actuator/extmetrics"
	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/config/watch"
	"github.com/workload-variant-autoscaler/wva/internal/controller"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// newManager builds the manager and every component, wired explicitly.
func newManager(ctx context.Context, restConfig *rest.Config, cfg config.Config) (ctrl.Manager, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("build scheme: %w", err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("build scheme: %w", err)
	}
	st := cfg.Static
	instanceSel, err := instanceSelector(st.ControllerInstance)
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme: scheme,
		Cache:  cacheOptions(st, instanceSel),
		// KEDA ScaledObjects are read as unstructured; from the cache like everything else.
		Client:                  client.Options{Cache: &client.CacheOptions{Unstructured: true}},
		Metrics:                 metricsOptions(st),
		WebhookServer:           webhookServer(st),
		HealthProbeBindAddress:  st.ProbeAddr,
		LeaderElection:          st.LeaderElection.Enabled,
		LeaderElectionID:        st.LeaderElection.ID,
		LeaderElectionNamespace: st.Namespace,
		// Step down cleanly on shutdown so a standby takes over without waiting out the lease.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}

	store := config.NewStore(cfg)
	cs, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return nil, fmt.Errorf("build Kubernetes client: %w", err)
	}
	recorder := mgr.GetEventRecorder("workload-variant-autoscaler")
	watcher := watch.New(cs, store, recorder, mgr.Elected())
	if err := mgr.Add(watcher); err != nil {
		return nil, fmt.Errorf("add configuration watcher: %w", err)
	}

	emitted := actuator.NewMetrics(st.ControllerInstance, engine.CacheLiveness(mgr.GetClient()))
	metrics.Registry.MustRegister(emitted.Collectors()...)
	signals, demand, err := newSignals(ctx, mgr, cfg, store)
	if err != nil {
		return nil, err
	}
	if err := collector.RegisterIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return nil, err
	}
	// Every per-variant write (status, direct scaling) waits on one token bucket.
	writes := rate.NewLimiter(rate.Limit(st.Writes.QPS), st.Writes.Burst)
	opts := engine.Options{
		Reader:   mgr.GetClient(),
		Pods:     collector.NewMapper(mgr.GetClient()),
		Signals:  signals,
		Settings: store,
		Status: status.NewWriter(mgr.GetClient(), mgr.GetAPIReader(), recorder,
			status.WithHeartbeat(st.Writes.StatusHeartbeat), status.WithLimiter(writes), status.WithWriteRate(st.Writes.QPS)),
		Workers:   st.Writes.Workers,
		Metrics:   emitted,
		Recorder:  recorder,
		Clock:     clock.RealClock{},
		LimitGPUs: st.Features.LimitedMode,
		// Decide only once the saturation, scale-to-zero and service class ConfigMaps are read.
		ConfigSynced: watcher.Synced(),
		// ScaledObjects and InferencePools are read only where their CRDs are installed.
		RESTMapper: mgr.GetRESTMapper(),
		// Models at zero are checked for waiting requests between cycles.
		Demand:       demand,
		WakeInterval: st.ScaleFromZeroInterval,
		// Scale-downs wait a peak window after a model's signals come back from a failure.
		PeakWindow: st.MetricsPeakWindow,
	}
	if st.ActuationMode == config.ActuationDirect {
		opts.Scaler = actuator.NewScaler(mgr.GetClient(), writes)
	}
	if st.Features.ProactiveModel {
		opts.Hybrid = hybridSettings{store}
		opts.HybridTuning.KeepWarm = st.Features.ProactiveKeepWarm
	}
	if st.Features.DrainAwareScaleDown {
		opts.DeletionCosts = actuator.NewDeletionCosts(mgr.GetClient())
	}
	eng := engine.New(opts)
	if err := mgr.Add(eng); err != nil {
		return nil, fmt.Errorf("add engine: %w", err)
	}
	if err := controller.NewVariantAutoscalingReconciler(mgr.GetClient(), eng, emitted).SetupWithManager(mgr); err != nil {
		return nil, err
	}
	if st.ExternalMetricsAddr != config.DisabledAddr {
		if err := addExternalMetrics(ctx, mgr, cs, st); err != nil {
			return nil, err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("add readiness check: %w", err)
	}
	return mgr, nil
}

// hybridSettings gives the engine the HYBRID mode's configuration from the store.
type hybridSettings struct{ store *config.Store }

// ServiceClassesFor implements engine.HybridSettings.
func (h hybridSettings) ServiceClassesFor(modelID string) []decision.ServiceClass {
	return h.store.ServiceClassesFor(modelID)
}

// PriorFor implements engine.HybridSettings.
func (h hybridSettings) PriorFor(modelID, accelerator string) (engine.Prior, bool) {
	p, ok := h.store.PriorFor(modelID, accelerator)
	return engine.Prior{Params: p.Params, Engine: p.Engine}, ok
}

// instanceSelector selects the VAs this controller manages: those labelled with its
// instance, or, without an instance, only those with no instance label, so two installs
// never fight over a VA.
func instanceSelector(instance string) (labels.Selector, error) {
	op, vals := selection.DoesNotExist, []string(nil)
	if instance != "" {
		op, vals = selection.Equals, []string{instance}
	}
	req, err := labels.NewRequirement(v1alpha1.LabelControllerInstance, op, vals)
	if err != nil {
		return nil, fmt.Errorf("CONTROLLER_INSTANCE %q is not a valid label value: %w", instance, err)
	}
	return labels.NewSelector().Add(*req), nil
}

// metricsOptions serves /metrics over HTTPS with Kubernetes authentication and
// authorisation by default, or plain HTTP when METRICS_SECURE is false (local use).
// HTTP/2 is offered only with ENABLE_HTTP2=true: its stream handling was the door of the
// HTTP/2 Rapid Reset and Stream Cancellation attacks (CVE-2023-44487, CVE-2023-39325),
// and a scrape endpoint gains nothing from it.
func metricsOptions(st config.StaticConfig) metricsserver.Options {
	o := metricsserver.Options{BindAddress: st.MetricsAddr, SecureServing: st.MetricsSecure, TLSOpts: tlsOptions(st)}
	if st.MetricsSecure {
		o.FilterProvider = filters.WithAuthenticationAndAuthorization
		if st.MetricsCert.Path != "" {
			o.CertDir, o.CertName, o.KeyName = st.MetricsCert.Path, filepath.Base(st.MetricsCert.Name), filepath.Base(st.MetricsCert.Key)
		}
	}
	return o
}

// tlsOptions are the TLS settings of every server the manager runs (today /metrics; a
// webhook server would take the same): without ENABLE_HTTP2, ALPN offers HTTP/1.1 only.
func tlsOptions(st config.StaticConfig) []func(*tls.Config) {
	if st.EnableHTTP2 {
		return nil
	}
	return []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
}

// webhookServer is configured like /metrics (certificates, HTTP/2); it only starts if a
// webhook is ever registered, which none is today.
func webhookServer(st config.StaticConfig) webhook.Server {
	o := webhook.Options{TLSOpts: tlsOptions(st)}
	if st.WebhookCert.Path != "" {
		o.CertDir, o.CertName, o.KeyName = st.WebhookCert.Path, st.WebhookCert.Name, st.WebhookCert.Key
	}
	return webhook.NewServer(o)
}

// addExternalMetrics serves wva_desired_replicas under external.metrics.k8s.io on every
// replica, from the VAs' status in the manager's cache (already filtered by instance).
func addExternalMetrics(ctx context.Context, mgr ctrl.Manager, cs kubernetes.Interface, st config.StaticConfig) error {
	auth, err := extmetrics.NewAuth(ctx, cs)
	if err != nil {
		return fmt.Errorf("external metrics API: %w", err)
	}
	reader := mgr.GetClient()
	srv := extmetrics.NewServer(extmetrics.Options{
		Addr: st.ExternalMetricsAddr, EnableHTTP2: st.EnableHTTP2, Auth: auth,
		CertDir: st.ExternalMetricsCert.Path, CertName: st.ExternalMetricsCert.Name, KeyName: st.ExternalMetricsCert.Key,
		Handler: &extmetrics.Handler{
			Authenticator: auth.Authenticator, Authorizer: auth.Authorizer, Instance: st.ControllerInstance, Clock: clock.RealClock{},
			List: func(ctx context.Context, ns string) ([]v1alpha1.VariantAutoscaling, error) {
				if len(st.WatchNamespaces) > 0 && !slices.Contains(st.WatchNamespaces, ns) {
					return nil, nil // not watched: no VAs of ours there
				}
				var list v1alpha1.VariantAutoscalingList
				if err := reader.List(ctx, &list, client.InNamespace(ns)); err != nil {
					return nil, err
				}
				return list.Items, nil
			},
		},
	})
	if err := mgr.Add(srv); err != nil {
		return fmt.Errorf("add external metrics API: %w", err)
	}
	return nil
}
