package loadgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Clock is the wall clock the runner paces and times requests with.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config says where and how to send a schedule.
type Config struct {
	// BaseURL is the server's base URL (e.g. http://127.0.0.1:8000); nothing else is
	// ever contacted.
	BaseURL string
	// Model is the OpenAI "model" field.
	Model string
	// API selects completions (default) or chat.
	API API
	// MaxConcurrency bounds requests in flight (default 256); later requests wait.
	MaxConcurrency int
	// RequestTimeout bounds one request (default 10m).
	RequestTimeout time.Duration
	// ProgressEvery is the interval of progress logs (0 = none).
	ProgressEvery time.Duration
	// Client is the HTTP client (default: a client with enough idle connections).
	Client *http.Client
	// Clock paces and times requests (default SystemClock).
	Clock Clock
	// Logger receives progress (default slog.Default()).
	Logger *slog.Logger
	// Observe, when set, receives every request's outcome as it completes (from many
	// goroutines at once), so a caller can follow latencies over time rather than only
	// in the final summary; it must be quick and safe for concurrent use. Requests cut
	// short by the end of the run (Summary.Cancelled) are not observed.
	Observe func(Observation)
}

// Observation is what one request measured, handed to Config.Observe.
type Observation struct {
	// Scheduled is the request's offset in the schedule.
	Scheduled time.Duration
	// Done is when the answer ended (or failed).
	Done time.Time
	// TTFT, ITLs and E2E are the client-side latencies of a successful request.
	TTFT time.Duration
	ITLs []time.Duration
	E2E  time.Duration
	// OutputTokens counts the text chunks received.
	OutputTokens int
	// Err is the error kind of a failed request (as in Summary.Errors), empty on success.
	Err string
}

var errConfig = errors.New("invalid load generator configuration")

func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("%w: base URL %q must be http(s)://host[:port]", errConfig, c.BaseURL)
	}
	if c.API == "" {
		c.API = Completions
	}
	if c.API != Completions && c.API != Chat {
		return c, fmt.Errorf("%w: api %q, want completions or chat", errConfig, c.API)
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 256
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Minute
	}
	if c.Client == nil {
		c.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.MaxConcurrency}}
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// results accumulates outcomes from concurrent requests.
type results struct {
	mu                sync.Mutex
	sent, ok, failed  int
	cancelled         int
	errors            map[string]int
	ttft, itl, e2e    []time.Duration
	promptTok, outTok int64
	maxLag            time.Duration
}

func (r *results) add(o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o.errKind == errCancelled {
		r.cancelled++
		return
	}
	if o.errKind != "" {
		r.failed++
		r.errors[o.errKind]++
		return
	}
	r.ok++
	r.ttft = append(r.ttft, o.ttft)
	r.e2e = append(r.e2e, o.e2e)
	r.itl = append(r.itl, o.itls...)
	r.promptTok += int64(o.promptSent)
	r.outTok += int64(o.tokens)
}

func (r *results) dispatched(lag time.Duration) {
	r.mu.Lock()
	r.sent++
	r.maxLag = max(r.maxLag, lag)
	r.mu.Unlock()
}

// Run sends the schedule open-loop (each request at its time, concurrency permitting),
// waits for every answer, and returns the summary. It stops early, with what it has, when
// ctx ends.
func Run(ctx context.Context, cfg Config, schedule []Request) (Summary, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	s := sender{client: cfg.Client, baseURL: cfg.BaseURL, model: cfg.Model, api: cfg.API, clock: cfg.Clock}
	res := &results{errors: map[string]int{}}
	start := cfg.Clock.Now()
	stopProgress := startProgress(ctx, cfg, res, len(schedule))
	dispatch(ctx, cfg, s, schedule, start, res)
	stopProgress()
	return res.summary(cfg.BaseURL, cfg.Clock.Now().Sub(start)), nil
}

// dispatch sends every request at its time and waits for all of them.
func dispatch(ctx context.Context, cfg Config, s sender, schedule []Request, start time.Time, res *results) {
	sem := make(chan struct{}, cfg.MaxConcurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, r := range schedule {
		if wait := start.Add(r.At).Sub(cfg.Clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-cfg.Clock.After(wait):
			}
		}
		select {
		case <-ctx.Done():
			return
		case sem <- struct{}{}:
		}
		res.dispatched(max(cfg.Clock.Now().Sub(start.Add(r.At)), 0))
		wg.Go(func() {
			defer func() { <-sem }()
			rctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
			defer cancel()
			o := s.send(rctx, r)
			if o.errKind == "timeout" && ctx.Err() != nil {
				// The run's own deadline ended the request, not the request's: stopped,
				// not failed. A server's error seen at the same moment stays a failure.
				o = outcome{errKind: errCancelled}
			}
			res.add(o)
			if cfg.Observe != nil && o.errKind != errCancelled {
				cfg.Observe(Observation{Scheduled: r.At, Done: cfg.Clock.Now(), TTFT: o.ttft, ITLs: o.itls, E2E: o.e2e, OutputTokens: o.tokens, Err: o.errKind})
			}
		})
	}
}

// startProgress logs progress every cfg.ProgressEvery until the returned stop is called.
func startProgress(ctx context.Context, cfg Config, res *results, total int) (stop func()) {
	if cfg.ProgressEvery <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-cfg.Clock.After(cfg.ProgressEvery):
			}
			res.mu.Lock()
			cfg.Logger.Info("load progress", "scheduled", total, "sent", res.sent,
				"succeeded", res.ok, "failed", res.failed, "inFlight", res.sent-res.ok-res.failed)
			res.mu.Unlock()
		}
	})
	return func() { close(done); wg.Wait() }
}

func (r *results) summary(target string, elapsed time.Duration) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	secs := elapsed.Seconds()
	s := Summary{
		Target: target, Requests: r.sent, Succeeded: r.ok, Failed: r.failed, Cancelled: r.cancelled, Errors: r.errors,
		DurationSeconds: secs, PromptTokens: r.promptTok, OutputTokens: r.outTok,
		MaxDispatchLagSeconds: r.maxLag.Seconds(),
		TTFT:                  percentiles(r.ttft), ITL: percentiles(r.itl), E2E: percentiles(r.e2e),
	}
	if secs > 0 {
		s.RequestsPerSecond = float64(r.ok) / secs
		s.OutputTokensPerSecond = float64(r.outTok) / secs
	}
	return s
}
