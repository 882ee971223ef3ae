package demo

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Result is what a run leaves behind.
type Result struct {
	// Report are the files written.
	Report ReportFiles
	// Recording is what they hold.
	Recording Recording
}

// cleanup runs stop functions newest first, so every component stops before what it
// depends on.
type cleanup []func()

func (c *cleanup) add(f func()) { *c = append(*c, f) }

func (c *cleanup) run() {
	for i := len(*c) - 1; i >= 0; i-- {
		(*c)[i]()
	}
	*c = nil
}

// Run starts everything, drives the scenario, shows it live, writes the report and
// stops every process and server it started, also when ctx ends early (Ctrl-C): then
// the report holds what was recorded so far. The report is written whenever the load
// had started.
func Run(ctx context.Context, o Options) (Result, error) {
	o, err := o.withDefaults(time.Now())
	if err != nil {
		return Result{}, err
	}
	sc, err := buildScenario(o)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(o.ReportDir, 0o755); err != nil {
		return Result{}, fmt.Errorf("create report folder: %w", err)
	}
	if o.Logger == nil {
		f, err := os.Create(filepath.Join(o.ReportDir, "demo.log"))
		if err != nil {
			return Result{}, fmt.Errorf("create demo log: %w", err)
		}
		defer func() { _ = f.Close() }()
		o.Logger = slog.New(slog.NewTextHandler(f, nil))
	}
	r := &run{o: o, sc: sc, model: DefaultModel(), log: o.Logger}
	defer r.stop.run()
	if err := r.start(ctx); err != nil {
		return Result{}, err
	}
	return r.drive(ctx)
}

func buildScenario(o Options) (Scenario, error) {
	if o.Scenario == "trace" {
		return TraceScenario(o.TracePath, o.TraceOffset, o.TraceSpeedUp, o.Duration, o.Seed)
	}
	shape := DefaultBurstShape()
	shape.IdleTail = o.ScaleToZero
	return BurstScenario(o.Duration, shape, o.Seed)
}
