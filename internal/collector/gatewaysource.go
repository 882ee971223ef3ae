package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// GatewayOptions say where the inference gateway's metrics are and how to authenticate.
type GatewayOptions struct {
	// URL is the metrics endpoint, e.g. https://epp.llm-d:9090/metrics.
	URL string
	// BearerToken is sent as "Authorization: Bearer <token>"; a value that already starts
	// with "Bearer " is not prefixed again.
	BearerToken string
	// BearerTokenFile holds the token instead, re-read whenever it changes.
	BearerTokenFile string
	// CAFile is a PEM bundle the gateway's certificate must chain to.
	CAFile string
	// InsecureSkipVerify disables certificate verification: development only.
	InsecureSkipVerify bool
	// Timeout bounds one scrape; 2s when zero.
	Timeout time.Duration
	// WrapTransport, when set, wraps the HTTP transport (tests).
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// defaultGatewayTimeout bounds a scrape of the gateway: the fast path asks several times a
// second, so a hung scrape must not hold it long.
const defaultGatewayTimeout = 2 * time.Second

// maxGatewayBytes bounds the exposition read from the gateway.
const maxGatewayBytes = 16 << 20

// GatewaySource reads the flow-control queue by scraping the gateway's metrics endpoint,
// with no Prometheus in between (METRICS_SOURCE=pod-scrape, or GATEWAY_METRICS_URL set).
type GatewaySource struct {
	url     string
	client  *http.Client
	timeout time.Duration
}

var _ DemandSource = (*GatewaySource)(nil)

// NewGatewaySource builds the source; nothing is sent until Demand.
func NewGatewaySource(o GatewayOptions) (*GatewaySource, error) {
	if o.URL == "" {
		return nil, errors.New("gateway metrics URL is empty")
	}
	rt, err := NewRoundTripper(PrometheusOptions{
		InsecureSkipVerify: o.InsecureSkipVerify, CAFile: o.CAFile,
		BearerToken: o.BearerToken, BearerTokenFile: o.BearerTokenFile, WrapTransport: o.WrapTransport,
	})
	if err != nil {
		return nil, fmt.Errorf("gateway metrics client: %w", err)
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultGatewayTimeout
	}
	return &GatewaySource{url: o.URL, client: &http.Client{Transport: rt}, timeout: o.Timeout}, nil
}

// Demand scrapes the gateway once and answers for every scope.
func (g *GatewaySource) Demand(ctx context.Context, scopes []DemandScope, _ time.Time) ([]Demand, error) {
	if len(scopes) == 0 {
		return nil, nil
	}
	series, err := g.scrape(ctx)
	if err != nil {
		err = fmt.Errorf("read the gateway queue from %s: %w", g.url, err)
		return failedDemand(len(scopes), err), err
	}
	return matchDemand(scopes, series), nil
}

// scrape fetches the exposition and returns its queue series.
func (g *GatewaySource) scrape(ctx context.Context) ([]queueSeries, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return parseQueue(io.LimitReader(resp.Body, maxGatewayBytes))
}

// parseQueue reads the queue series of a text exposition, the newer metric name where
// both are present for the same labels.
func parseQueue(r io.Reader) ([]queueSeries, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	type key struct{ namespace, pool, model string }
	sums := map[key]float64{}
	newer := map[key]bool{}
	for i, name := range []string{QueueMetricEPP, QueueMetric} {
		fam := fams[name]
		if fam == nil {
			continue
		}
		seen := map[key]bool{}
		for _, m := range fam.GetMetric() {
			k := key{label(m, labelNamespace), label(m, labelPool), label(m, labelTargetModel)}
			if k.model == "" || (i > 0 && newer[k]) {
				continue
			}
			seen[k] = true
			sums[k] += gaugeValue(m)
		}
		if i == 0 {
			newer = seen
		}
	}
	out := make([]queueSeries, 0, len(sums))
	for k, v := range sums {
		out = append(out, queueSeries{namespace: k.namespace, pool: k.pool, model: k.model, value: v})
	}
	return out, nil
}

// label returns a label's value, empty when absent.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// gaugeValue reads a gauge (or an untyped sample, as some exporters declare it).
func gaugeValue(m *dto.Metric) float64 {
	if m.GetGauge() != nil {
		return m.GetGauge().GetValue()
	}
	return m.GetUntyped().GetValue()
}
