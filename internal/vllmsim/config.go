package vllmsim

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Config describes one simulated server.
type Config struct {
	// Model is the served model name: the OpenAI "model" and the model_name label.
	Model string
	// Params are the engine parameters (usually from a servermodel.Profile).
	Params servermodel.Params
	// StartupDelay stands for model loading: /health answers 503 until it has passed.
	StartupDelay time.Duration
	// TimeScale is model seconds per wall second (default 1): 10 runs the model ten times
	// faster than real time, and all reported latencies are in model seconds (unless
	// WallClockLatencies).
	TimeScale float64
	// WallClockLatencies reports the latency histograms in wall-clock seconds, as the
	// clients see them (bounds and sums divided by TimeScale): with TimeScale 0.1 the
	// replica then looks, latencies and request rates alike, like a GPU ten times slower.
	// Whatever learns latency against request rate (the HYBRID mode) needs both in one
	// clock.
	WallClockLatencies bool
	// Seed seeds the model's jitter and the lengths of requests without max_tokens.
	Seed uint64
	// StepJitter is the relative standard deviation of step times (see servermodel.Options).
	StepJitter float64
	// DefaultOutputTokens is the mean output length of requests without max_tokens
	// (default 256); their actual lengths are drawn from a geometric distribution.
	DefaultOutputTokens int
	// ShutdownTimeout bounds how long Serve waits for in-flight requests (default 30s).
	ShutdownTimeout time.Duration
	// Clock paces the model (default SystemClock).
	Clock Clock
	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
}

// errConfig marks invalid configuration.
var errConfig = errors.New("invalid vllm-sim configuration")

// withDefaults fills unset fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Model == "" {
		return c, fmt.Errorf("%w: model name is empty", errConfig)
	}
	if err := c.Params.Validate(); err != nil {
		return c, fmt.Errorf("%w: %w", errConfig, err)
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	if c.TimeScale < 0 || c.StartupDelay < 0 {
		return c, fmt.Errorf("%w: time scale %g and start-up delay %v must not be negative", errConfig, c.TimeScale, c.StartupDelay)
	}
	if c.DefaultOutputTokens == 0 {
		c.DefaultOutputTokens = 256
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
