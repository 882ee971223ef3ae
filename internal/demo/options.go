package demo

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Clock is the wall clock the demo paces itself by; tests may inject another.
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

// Actuation paths WVA's decisions can take.
const (
	// ActuationDirect: WVA writes the Deployments' scale subresource itself.
	ActuationDirect = "direct"
	// ActuationHPA: WVA exposes wva_desired_replicas; prometheus-adapter serves it as an
	// external metric and the HPA controller scales.
	ActuationHPA = "hpa"
)

// Modes WVA can run in (the guide's names).
const (
	// ModeCapacityOnly is the saturation analyser alone (the default).
	ModeCapacityOnly = "capacity-only"
	// ModeHybrid adds the model-based optimiser (EXPERIMENTAL_PROACTIVE_MODEL=true): the
	// capacity answer is a floor, the model may add replicas ahead of saturation.
	ModeHybrid = "hybrid"
)

// Options configure a demo run. cmd/wva-demo fills them from flags.
type Options struct {
	// RepoDir is the repository root, where config/ is.
	RepoDir string
	// ToolsDir holds the control-plane binaries and prometheus (make tools).
	ToolsDir string
	// WVABin is the manager binary (make build); RepoDir/bin/wva when empty.
	WVABin string
	// EnvDir receives the environment's certificates, kubeconfig and logs; a temporary
	// folder, removed at the end, when empty.
	EnvDir string
	// ReportDir receives the report; ./demo-report/<start time> when empty.
	ReportDir string
	// Scenario is "burst" (default) or "trace".
	Scenario string
	// TracePath, TraceSpeedUp and TraceOffset select the trace replay.
	TracePath    string
	TraceSpeedUp float64
	TraceOffset  time.Duration
	// Duration is the length of the load; 5 minutes when zero.
	Duration time.Duration
	// Actuation is ActuationHPA (default) or ActuationDirect.
	Actuation string
	// Mode is ModeCapacityOnly (default) or ModeHybrid.
	Mode string
	// ScaleToZero lets WVA take a variant with no traffic to zero replicas.
	ScaleToZero bool
	// Interval is how often the demo samples and redraws; 2s when zero.
	Interval time.Duration
	// DecisionInterval is WVA's GLOBAL_OPT_INTERVAL; 5s when zero.
	DecisionInterval time.Duration
	// Plain prints one line per update instead of redrawing the screen.
	Plain bool
	// Seed makes the scenario's arrivals reproducible.
	Seed uint64
	// Out receives progress and the live view; Logger the structured log of the demo
	// itself (default: a demo.log in the report folder).
	Out    io.Writer
	Logger *slog.Logger
	// Clock paces sampling; SystemClock when nil.
	Clock Clock
}

// DefaultDuration is the default length of the load: long enough for a ramp, a burst,
// and the scale-down that follows it.
const DefaultDuration = 5 * time.Minute

func (o Options) withDefaults(now time.Time) (Options, error) {
	var err error
	if o.RepoDir == "" {
		o.RepoDir = "."
	}
	if o.RepoDir, err = filepath.Abs(o.RepoDir); err != nil {
		return o, fmt.Errorf("resolve repository: %w", err)
	}
	if o.ToolsDir == "" {
		o.ToolsDir = filepath.Join(o.RepoDir, "bin/tools")
	}
	if o.ToolsDir, err = filepath.Abs(o.ToolsDir); err != nil {
		return o, fmt.Errorf("resolve tools: %w", err)
	}
	if o.WVABin == "" {
		o.WVABin = filepath.Join(o.RepoDir, "bin/wva")
	}
	if _, err := os.Stat(o.WVABin); err != nil {
		return o, fmt.Errorf("WVA binary %s missing (run `make build`): %w", o.WVABin, err)
	}
	if o.ReportDir == "" {
		o.ReportDir = filepath.Join("demo-report", now.UTC().Format("20060102-150405"))
	}
	if o.ReportDir, err = filepath.Abs(o.ReportDir); err != nil {
		return o, fmt.Errorf("resolve report folder: %w", err)
	}
	if o.Scenario == "" {
		o.Scenario = "burst"
	}
	if o.Scenario != "burst" && o.Scenario != "trace" {
		return o, fmt.Errorf("scenario %q: want burst or trace", o.Scenario)
	}
	if o.Scenario == "trace" && o.TracePath == "" {
		o.TracePath = filepath.Join(o.RepoDir, "../shared/traces/azure-llm-2023-conv.csv")
	}
	if o.TraceSpeedUp == 0 {
		o.TraceSpeedUp = 4
	}
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.Actuation == "" {
		o.Actuation = ActuationHPA
	}
	if o.Actuation != ActuationDirect && o.Actuation != ActuationHPA {
		return o, fmt.Errorf("actuation %q: want direct or hpa", o.Actuation)
	}
	if o.Mode == "" {
		o.Mode = ModeCapacityOnly
	}
	if o.Mode != ModeCapacityOnly && o.Mode != ModeHybrid {
		return o, fmt.Errorf("mode %q: want %s or %s", o.Mode, ModeCapacityOnly, ModeHybrid)
	}
	if o.Interval == 0 {
		o.Interval = 2 * time.Second
	}
	if o.DecisionInterval == 0 {
		o.DecisionInterval = 5 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	return o, nil
}
