package main

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/config"
	"github.com/workload-variant-autoscaler/wva/internal/engine"
)

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
			Retries:            2,
		}, collector.Windows{})
		if err != nil {
			return nil, fmt.Errorf("connect to Prometheus: %w", err)
		}
		src = s
	default:
		return nil, fmt.Errorf("%s=%q is not supported by this build", config.KeyMetricsSource, cfg.Static.MetricsSource)
	}
	return engine.CollectorSignals{Source: src, Mapper: collector.NewMapper(mgr.GetClient()), Zero: store.ZeroFor}, nil
}
