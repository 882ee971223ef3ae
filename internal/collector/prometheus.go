package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// defaultQueryTimeout bounds one query attempt when the options do not.
const defaultQueryTimeout = 10 * time.Second

// queryConcurrency is how many of a cycle's queries run at once: all of them, since a
// cycle sends a handful, but bounded in case success windows multiply.
const queryConcurrency = 8

// PrometheusSource reads every model's signals from Prometheus with a constant number of
// PromQL queries per cycle (see cycleQueries), through the official Go client.
type PrometheusSource struct {
	api     promv1.API
	opts    PrometheusOptions
	windows Windows
	cache   queryCache
}

var _ Source = (*PrometheusSource)(nil)

// NewPrometheusSource connects the source to the Prometheus of the options. It only
// builds the client (loading certificates); nothing is sent until Collect.
func NewPrometheusSource(opts PrometheusOptions, windows Windows) (*PrometheusSource, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("prometheus base URL is empty")
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil {
		// The URL is not shown: it may carry credentials.
		return nil, errors.New("prometheus base URL cannot be parsed: expected e.g. https://prometheus:9090")
	}
	if u.User != nil {
		if opts.Username == "" && opts.Password == "" {
			opts.Username = u.User.Username()
			opts.Password, _ = u.User.Password()
		}
		u.User = nil
		opts.BaseURL = u.String()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultQueryTimeout
	}
	if opts.Retries < 0 {
		opts.Retries = 0
	}
	rt, err := NewRoundTripper(opts)
	if err != nil {
		return nil, err
	}
	client, err := api.NewClient(api.Config{Address: opts.BaseURL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %s: %w", opts.BaseURL, err)
	}
	return &PrometheusSource{api: promv1.NewAPI(client), opts: opts, windows: windows.withDefaults()}, nil
}

// Collect sends the cycle's queries, all models at once, and splits the answers by
// namespace, model and Pod. Any failed query fails the whole cycle: every model is then
// reported with ReasonPrometheusError and the error is returned, never partial zeros.
func (s *PrometheusSource) Collect(ctx context.Context, models []Model, now time.Time) ([]ModelSignals, error) {
	valid, invalid := splitValid(models)
	if len(valid) == 0 {
		return assemble(models, newObservations(), invalid, now, s.windows), nil
	}
	queries := cycleQueries(newSelectors(valid), s.windows, successWindows(valid), loadWindows(valid))
	// The gateway queue is one more query of the cycle, sent alongside the others but
	// never answered from the cache; its failure is the demand's, not the signals'.
	scopes := demandScopes(valid)
	var demand []Demand
	var wg sync.WaitGroup
	if len(scopes) > 0 {
		wg.Go(func() {
			var derr error
			if demand, derr = s.Demand(ctx, scopes, now); derr != nil {
				log.FromContext(ctx).Error(derr, "Cannot read the gateway queue; models at zero are not woken and none goes to zero this cycle")
			}
		})
	}
	obs, reused, err := s.run(ctx, queries, now)
	wg.Wait()
	if err != nil {
		err = fmt.Errorf("collect from Prometheus: %w", err)
		return withDemand(failedModels(models, invalid, ReasonPrometheusError, err), scopes, demand), err
	}
	log.FromContext(ctx).V(1).Info("Collected signals from Prometheus",
		"models", len(valid), "rejected", len(invalid), "queries", len(queries)+min(len(scopes), 1), "cached", reused, "series", len(obs.replicas))
	return withDemand(assemble(models, obs, invalid, now, s.windows), scopes, demand), nil
}

// splitValid returns the models safe to query and the errors of the others, by index.
func splitValid(models []Model) ([]Model, map[int]error) {
	invalid := map[int]error{}
	valid := make([]Model, 0, len(models))
	for i, m := range models {
		if err := validateModel(m); err != nil {
			invalid[i] = err
			continue
		}
		valid = append(valid, m)
	}
	return valid, invalid
}

// run sends the queries concurrently, except those the cache answers, and merges their
// answers. It returns how many answers came from the cache.
func (s *PrometheusSource) run(ctx context.Context, queries []promQuery, now time.Time) (*observations, int, error) {
	cache := CacheSettings{}
	if s.opts.Cache != nil {
		cache = s.opts.Cache()
	}
	if !cache.Enabled || cache.TTL <= 0 {
		s.cache.clear()
	}
	results := make([]model.Vector, len(queries))
	errs := make([]error, len(queries))
	asked := make([]bool, len(queries))
	reused := 0
	sem := make(chan struct{}, queryConcurrency)
	var wg sync.WaitGroup
	for i, q := range queries {
		if cache.Enabled {
			if vec, ok := s.cache.get(q.expr, now, cache.TTL); ok {
				results[i] = vec
				reused++
				continue
			}
		}
		asked[i] = true
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = s.query(ctx, q.expr, now)
		})
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, 0, err
	}
	if cache.Enabled && reused < len(queries) {
		fresh := make(map[string]model.Vector, len(queries)-reused)
		for i, q := range queries {
			if asked[i] {
				fresh[q.expr] = results[i]
			}
		}
		s.cache.store(now, cache.TTL, fresh)
	}
	obs := newObservations()
	for i, q := range queries {
		mergeVector(obs, q, results[i])
	}
	return obs, reused, nil
}

// query evaluates one instant query at now, retrying transient failures.
func (s *PrometheusSource) query(ctx context.Context, expr string, now time.Time) (model.Vector, error) {
	var err error
	for attempt := 0; attempt <= s.opts.Retries; attempt++ {
		if attempt > 0 {
			if werr := backoff(ctx, attempt); werr != nil {
				return nil, fmt.Errorf("%w (retry interrupted: %w)", err, werr)
			}
		}
		var v model.Vector
		if v, err = s.queryOnce(ctx, expr, now); err == nil || !retryable(err) || s.opts.Retries == 0 {
			return v, err
		}
	}
	return nil, fmt.Errorf("after %d attempts: %w", s.opts.Retries+1, err)
}

// firstError returns one failure of a cycle's queries, saying how many failed:
// they usually fail for the same reason, which is worth reading once.
func firstError(errs []error) error {
	var first, telling error
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			first = cmp.Or(first, err)
			if telling == nil && diagnostic(err) {
				telling = err
			}
		}
	}
	if failed == 0 {
		return nil
	}
	// Queries share one connection: when the server refuses it, one query sees the refusal
	// and the others only a closed connection. Report the one that says why.
	return fmt.Errorf("%d of %d queries failed, first: %w", failed, len(errs), cmp.Or(telling, first))
}

func (s *PrometheusSource) queryOnce(ctx context.Context, expr string, now time.Time) (model.Vector, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	val, warnings, _, err := s.api.Query(ctx, expr, now, promv1.WithTimeout(s.opts.Timeout))
	if err != nil {
		return nil, explain(err, s.opts)
	}
	if len(warnings) > 0 {
		log.FromContext(ctx).V(1).Info("Prometheus query warnings", "warnings", warnings)
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query answered a %s, want a vector", val.Type())
	}
	return vec, nil
}

// backoff waits before retry number attempt (200ms, 400ms, 800ms, ... at most 2s).
func backoff(ctx context.Context, attempt int) error {
	d := min(200*time.Millisecond<<(attempt-1), 2*time.Second)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
