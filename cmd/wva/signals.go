package main

import (
	"context"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
)

// podScrapeInterval is how often the pod-scrape source samples each model server.
const podScrapeInterval = 5 * time.Second

// newSignals builds the signal source the configuration selects, adapted for the engine.
func newSignals(_ context.Context, mgr ctrl.Manager, cfg config.Config, store *config.Store) (engine.Signals, error) {
	p := cfg.Static.Prometheus
	var src collector.Source
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
		}, collector.Windows{})
		if err != nil {
			return nil, fmt.Errorf("connect to Prometheus: %w", err)
		}
		src = s
	case config.MetricsSourcePodScrape:
		ps := collector.NewPodSource(collector.PodSourceOptions{})
		// Sample the pods between cycles, so the peak over the window sees what a
		// Prometheus scraping every few seconds would.
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			return ps.Run(ctx, podScrapeInterval)
		})); err != nil {
			return nil, fmt.Errorf("add pod scraper: %w", err)
		}
		src = ps
	default:
		return nil, fmt.Errorf("%s=%q is not supported by this build", config.KeyMetricsSource, cfg.Static.MetricsSource)
	}
	return engine.CollectorSignals{Source: src, Mapper: collector.NewMapper(mgr.GetClient()), Zero: store.ZeroFor}, nil
}
