package main

import (
	"context"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
)

// podScrapeInterval is how often the pod-scrape source samples each model server.
const podScrapeInterval = 5 * time.Second

// newSignals builds the signal source the configuration selects, adapted for the engine,
// and the source of the gateway's queue for scale from zero (nil when there is none).
func newSignals(ctx context.Context, mgr ctrl.Manager, cfg config.Config, store *config.Store) (engine.Signals, collector.DemandSource, error) {
	p := cfg.Static.Prometheus
	var src collector.Source
	var demand collector.DemandSource
	switch cfg.Static.MetricsSource {
	case config.MetricsSourcePrometheus:
		s, err := collector.NewPrometheusSource(collector.PrometheusOptions{
			BaseURL:            p.BaseURL,
			InsecureSkipVerify: p.TLSInsecureSkipVerify,
			CAFile:             p.CACertPath,
			CertFile:           p.ClientCertPath,
			KeyFile:            p.ClientKeyPath,
			ServerName:         p.ServerName,
			BearerToken:        p.BearerToken.Reveal(),
			BearerTokenFile:    p.BearerTokenFile,
			Username:           p.URLUser.Reveal(),
			Password:           p.URLPassword.Reveal(),
			Retries:            2,
			Cache: func() collector.CacheSettings {
				d := store.Current().Dynamic
				ttl := d.PrometheusCache.EffectiveTTL(d.OptimizationInterval)
				return collector.CacheSettings{Enabled: ttl > 0, TTL: ttl}
			},
		}, collector.Windows{Peak: cfg.Static.MetricsPeakWindow})
		if err != nil {
			return nil, nil, fmt.Errorf("connect to Prometheus: %w", err)
		}
		src, demand = s, s
	case config.MetricsSourcePodScrape:
		ps := collector.NewPodSource(collector.PodSourceOptions{Windows: collector.Windows{Peak: cfg.Static.MetricsPeakWindow}})
		// Sample the pods between cycles, so the peak over the window sees what a
		// Prometheus scraping every few seconds would.
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			return ps.Run(ctx, podScrapeInterval)
		})); err != nil {
			return nil, nil, fmt.Errorf("add pod scraper: %w", err)
		}
		src = ps
	default:
		return nil, nil, fmt.Errorf("%s=%q is not supported by this build", config.KeyMetricsSource, cfg.Static.MetricsSource)
	}
	signals := engine.CollectorSignals{Source: src, Zero: store.ZeroFor, DemandInBatch: demand != nil}
	if g := cfg.Static.Gateway; g.MetricsURL != "" {
		gs, err := collector.NewGatewaySource(collector.GatewayOptions{
			URL: g.MetricsURL, BearerToken: g.BearerToken.Reveal(), BearerTokenFile: g.BearerTokenFile,
			CAFile: g.CACertPath, InsecureSkipVerify: g.TLSInsecureSkipVerify,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("connect to the gateway: %w", err)
		}
		signals.Demand, signals.DemandInBatch, demand = gs, false, gs
	}
	if cfg.Static.Features.ProactiveModel {
		// HYBRID mode: the load signals over one decision interval.
		signals.LoadWindow = store.Interval
	}
	if demand == nil {
		log.FromContext(ctx).Info("No source of waiting requests: models at zero are not woken (set GATEWAY_METRICS_URL with METRICS_SOURCE=pod-scrape)")
	}
	return signals, demand, nil
}
