package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Defaults of the Pod source.
const (
	defaultScrapeTimeout     = 5 * time.Second
	defaultScrapeConcurrency = 32
)

// PodSourceOptions configure the Pod source.
type PodSourceOptions struct {
	// Windows are the peak, rate and staleness windows (as for Prometheus).
	Windows Windows
	// Timeout bounds one scrape; 5s when zero.
	Timeout time.Duration
	// Concurrency bounds the scrapes in flight; 32 when zero.
	Concurrency int
	// Client sends the scrapes; a plain HTTP client when nil.
	Client *http.Client
	// Clock stamps the scrapes Run takes between cycles; time.Now when nil.
	Clock func() time.Time
}

// PodSource scrapes the model server Pods directly, with no Prometheus in between. It
// keeps a window of scrapes per replica, so it can answer the same questions the PromQL
// queries answer; Run samples between cycles so that peaks are not missed.
type PodSource struct {
	opts PodSourceOptions

	mu      sync.Mutex
	windows map[replicaKey]*replicaWindow
	// failures are the replicas whose newest scrape failed, and why.
	failures map[replicaKey]scrapeFailure
	// targets are the Pods of the last Collect, which Run keeps sampling.
	targets []scrapeTarget
	horizon time.Duration
}

var _ Source = (*PodSource)(nil)

// replicaKey identifies a replica's window.
type replicaKey struct{ namespace, pod string }

// scrapeTarget is one Pod to scrape and the model whose series to keep.
type scrapeTarget struct {
	key   replicaKey
	model string
	url   string
}

// NewPodSource returns a Pod source with the options' defaults filled in.
func NewPodSource(opts PodSourceOptions) *PodSource {
	opts.Windows = opts.Windows.withDefaults()
	if opts.Timeout <= 0 {
		opts.Timeout = defaultScrapeTimeout
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = defaultScrapeConcurrency
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &PodSource{opts: opts, windows: map[replicaKey]*replicaWindow{}, failures: map[replicaKey]scrapeFailure{}}
}

// scrapeFailure is why a replica's newest scrape failed.
type scrapeFailure struct {
	model string
	// message says what went wrong, for the MetricsAvailable condition.
	message string
	// invalid is true when the page arrived but cannot be trusted (too large, unparsable,
	// an impossible value): the replica is not used at all. Otherwise the page did not
	// arrive (refused, timed out, an error status), and the replica's older scrapes count
	// until they are stale.
	invalid bool
}

// Collect scrapes every Pod of the models now (stamping the scrapes with now), then
// answers from each replica's window. A Pod that cannot be scraped keeps its older
// scrapes, which age into MetricsStale; a Pod never scraped is MetricsMissing.
func (s *PodSource) Collect(ctx context.Context, models []Model, now time.Time) ([]ModelSignals, error) {
	valid, invalid := splitValid(models)
	targets := scrapeTargets(valid)
	ws, lws := successWindows(valid), loadWindows(valid)
	s.mu.Lock()
	s.targets = targets
	s.horizon = max(s.opts.Windows.Peak, s.opts.Windows.Rate, maxDuration(ws), maxDuration(lws)+PeakSubWindow)
	s.mu.Unlock()
	failed := s.scrapeAll(ctx, targets, now)
	if failed > 0 {
		log.FromContext(ctx).V(1).Info("Some model server scrapes failed", "failed", failed, "pods", len(targets))
	}
	return assemble(models, s.observe(now, ws, lws), invalid, now, s.opts.Windows), nil
}

// Run scrapes the last Collect's Pods every interval until ctx ends, so the windows hold
// samples between decision cycles. It returns nil when ctx ends.
func (s *PodSource) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return errors.New("pod source scrape interval must be positive")
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.mu.Lock()
			targets := s.targets
			s.mu.Unlock()
			s.scrapeAll(ctx, targets, s.opts.Clock())
		}
	}
}

// scrapeTargets lists the scrapable Pods of the models (with an IP and a port).
func scrapeTargets(models []Model) []scrapeTarget {
	var out []scrapeTarget
	for _, m := range models {
		for _, v := range m.Variants {
			for _, p := range v.Pods {
				if p.IP == "" || p.MetricsPort <= 0 {
					continue
				}
				u := "http://" + net.JoinHostPort(p.IP, strconv.Itoa(p.MetricsPort)) + p.MetricsPath
				out = append(out, scrapeTarget{key: replicaKey{m.Namespace, p.Name}, model: m.ModelID, url: u})
			}
		}
	}
	return out
}

// scrapeAll scrapes the targets in parallel (bounded) and records the successes at t.
// It returns how many failed.
func (s *PodSource) scrapeAll(ctx context.Context, targets []scrapeTarget, t time.Time) int {
	sem := make(chan struct{}, s.opts.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for _, tg := range targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			sc, err := s.scrapeOne(ctx, tg)
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				s.recordFailure(tg, err)
				return
			}
			sc.t = t
			s.record(tg, sc)
		})
	}
	wg.Wait()
	return failed
}

// scrapeOne fetches and parses one Pod's metrics within the scrape timeout and the page
// limits (readPage). A page that arrived but cannot be trusted is an invalidPageError.
// Errors do not name the Pod: they end up in messages that already do.
func (s *PodSource) scrapeOne(ctx context.Context, tg scrapeTarget) (scrape, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tg.url, nil)
	if err != nil {
		return scrape{}, fmt.Errorf("build the scrape request: %w", err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return scrape{}, s.timedOut(ctx, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return scrape{}, fmt.Errorf("the metrics endpoint answered %s", resp.Status)
	}
	sc, err := parseScrape(resp.Body, tg.model)
	if err != nil {
		if ctx.Err() != nil {
			return scrape{}, s.timedOut(ctx, err)
		}
		return scrape{}, invalidPageError{err}
	}
	return sc, nil
}

// timedOut says, when the scrape's deadline passed, that the page did not arrive in time
// (a server sending slowly), rather than only "context deadline exceeded".
func (s *PodSource) timedOut(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("the metrics page did not arrive within the %s scrape timeout: %w", s.opts.Timeout, err)
	}
	return err
}

// invalidPageError marks a page that arrived but cannot be trusted.
type invalidPageError struct{ err error }

func (e invalidPageError) Error() string { return e.err.Error() }
func (e invalidPageError) Unwrap() error { return e.err }

// recordFailure keeps why a replica's newest scrape failed, for its health.
func (s *PodSource) recordFailure(tg scrapeTarget, err error) {
	var invalid invalidPageError
	f := scrapeFailure{model: tg.model, message: clip(err.Error(), 400), invalid: errors.As(err, &invalid)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[tg.key] = f
}

// record adds a scrape to its replica's window, starting a new window when the Pod
// now serves another model.
func (s *PodSource) record(tg scrapeTarget, sc scrape) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, tg.key)
	w := s.windows[tg.key]
	if w == nil || w.model != tg.model {
		w = &replicaWindow{namespace: tg.key.namespace, model: tg.model}
		s.windows[tg.key] = w
	}
	w.add(sc)
}

// observe prunes old scrapes and turns every window into an observation at now. Windows
// of Pods that are gone still count towards their model's success total until they age
// out, as their series do in Prometheus.
func (s *PodSource) observe(now time.Time, successWindows, loadWindows []time.Duration) *observations {
	s.mu.Lock()
	defer s.mu.Unlock()
	obs := newObservations()
	for k, w := range s.windows {
		w.prune(now, s.horizon)
		if len(w.samples) == 0 {
			delete(s.windows, k)
			continue
		}
		o := w.observe(now, s.opts.Windows, successWindows, loadWindows)
		obs.replicas[obsKey{k.namespace, w.model, k.pod}] = o
		for win, v := range o.success {
			obs.modelSuccess[modelWindow{k.namespace, w.model, win}] += v
		}
	}
	for _, lw := range loadWindows {
		s.peaks(obs, now, lw)
	}
	s.observeFailures(obs)
	return obs
}

// peaks records each model's highest first-token rate over PeakSubWindow within the load
// window, as the Prometheus peak query does: at every multiple of the sub-window in the
// window, the sum over the model's replicas of their rate over the sub-window before it.
func (s *PodSource) peaks(obs *observations, now time.Time, window time.Duration) {
	for at := now.Truncate(PeakSubWindow); at.After(now.Add(-window)); at = at.Add(-PeakSubWindow) {
		sums := map[modelWindow]float64{}
		for _, w := range s.windows {
			if r, ok := w.firstTokenRateAt(at, PeakSubWindow); ok {
				sums[modelWindow{w.namespace, w.model, window}] += r
			}
		}
		for k, v := range sums {
			obs.peak[k] = max(obs.peak[k], v)
		}
	}
}

// observeFailures adds the failed scrapes of the current targets to the observations: an
// invalid page makes the replica unusable, a page that did not arrive is only explained.
// Failures of Pods no longer scraped are forgotten.
func (s *PodSource) observeFailures(obs *observations) {
	current := make(map[replicaKey]bool, len(s.targets))
	for _, tg := range s.targets {
		current[tg.key] = true
	}
	for k, f := range s.failures {
		if !current[k] {
			delete(s.failures, k)
			continue
		}
		o := obs.at(obsKey{k.namespace, f.model, k.pod})
		if f.invalid {
			o.fail(f.message)
		} else {
			o.scrapeError = f.message
		}
	}
}

func maxDuration(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
