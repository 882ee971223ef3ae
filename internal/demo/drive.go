package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// drive sends the scenario through the gateway, samples and shows the run until the
// scenario ends or ctx does, then writes the report.
func (r *run) drive(ctx context.Context) (Result, error) {
	r.welcome(r.o.Out)
	obs := &observations{}
	s, err := newSampler(r.model, r.sc, r.cs, r.dyn, r.prom.URL, obs)
	if err != nil {
		return Result{}, err
	}
	v := &view{out: r.o.Out, plain: r.o.Plain, model: r.model, scenario: r.sc, kubeconfig: r.env.Kubeconfig}
	started := r.o.Clock.Now()
	s.start = started

	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	loadDone := make(chan loadgen.Summary, 1)
	go func() {
		sum, err := loadgen.Run(loadCtx, loadgen.Config{
			BaseURL: r.gateway, Model: r.model.ID, MaxConcurrency: 1024, RequestTimeout: 2 * time.Minute,
			Observe: obs.add, Logger: r.log.With("component", "load"),
		}, r.sc.Requests)
		if err != nil {
			r.log.Error("load generator", "err", err)
		}
		loadDone <- sum
	}()

	end := started.Add(r.sc.Duration)
	var failure error
	for interrupted := false; !interrupted; {
		select {
		case <-ctx.Done():
			interrupted = true
			continue
		case <-r.o.Clock.After(r.o.Interval):
		}
		now := r.o.Clock.Now()
		smp, err := s.sample(ctx, now)
		if err != nil {
			r.log.Warn("sample", "err", err)
			continue
		}
		samples, decs := s.snapshot()
		v.update(smp, decs, findWakeUps(samples, decs, r.sc.Requests, obs.firstTokens(started)))
		if r.wva.exited() {
			failure = fmt.Errorf("WVA exited during the run; last lines of %s:\n%s", r.wva.LogPath, tailFile(r.wva.LogPath, 20))
			break
		}
		if err := r.env.Healthy(); err != nil {
			failure = fmt.Errorf("a component of the local environment stopped: %w", err)
			break
		}
		if !now.Before(end) {
			break
		}
	}
	stopLoad()
	sum := <-loadDone
	samples, decs := s.snapshot()
	rec := Recording{
		Scenario: r.sc.Name, Phases: r.sc.Phases, Credit: r.sc.Credit, Started: started, DurationSec: r.sc.Duration.Seconds(),
		Actuation: r.o.Actuation, Mode: r.o.Mode, ScaleToZero: r.o.ScaleToZero, Model: r.model.ID, Variants: r.model.Variants,
		SLO: SLO{TTFT: time.Second, ITL: 50 * time.Millisecond}, Interrupted: ctx.Err() != nil,
		Load: sum, Samples: samples, Decisions: decs,
		WakeUps: findWakeUps(samples, decs, r.sc.Requests, obs.firstTokens(started)),
	}
	files, err := WriteReport(r.o.ReportDir, rec)
	if err != nil {
		return Result{Recording: rec}, err
	}
	r.progress("\nReport: %s\nSeries: %s and %s\nWVA log: %s", files.HTML, files.CSV, files.JSON, r.wva.LogPath)
	return Result{Report: files, Recording: rec}, failure
}

// welcome tells how to reach the cluster while the demo runs.
func (r *run) welcome(out io.Writer) {
	hpaHint := ""
	if r.o.Actuation == ActuationHPA {
		hpaHint = "\n  kubectl get hpa\n  kubectl get --raw /apis/external.metrics.k8s.io/v1beta1/namespaces/default/wva_desired_replicas"
	}
	_, _ = fmt.Fprintf(out, `
Everything is up. In another terminal, while the demo runs:

  export KUBECONFIG=%s
  export PATH=%s:$PATH
  kubectl get va
  kubectl get deploy,pods -o wide
  kubectl get events --field-selector reason=DesiredReplicasChanged%s

Prometheus: %s   WVA metrics: http://%s/metrics   gateway (OpenAI API): %s
Driving scenario %q for %s through the gateway. Ctrl-C stops it early and still writes the report.

`, r.env.Kubeconfig, r.o.ToolsDir, hpaHint, r.prom.URL, r.wva.MetricsAddr, r.gateway, r.sc.Name, r.sc.Duration)
	if r.sc.Credit != "" {
		_, _ = fmt.Fprintf(out, "%s\n\n", r.sc.Credit)
	}
}
