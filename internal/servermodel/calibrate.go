package servermodel

import (
	"fmt"
	"io"
	"time"
)

// Calibration workload: the shape public vLLM sweeps use (1024-token prompts, 128-token
// outputs), so the model's figures compare like for like.
const (
	calPrompt = 1024
	calOutput = 128
	// calWarmup and calWindow bound the saturation measurement in virtual time.
	calWarmup = 60 * time.Second
	calWindow = 120 * time.Second
)

// Calibration is what the model predicts for a profile, next to the public figures.
type Calibration struct {
	// Profile is the profile's name; Accelerator its card.
	Profile, Accelerator string
	// Params are the derived engine parameters.
	Params Params
	// KVBytesPerToken and KVCapacityTokens size the KV cache.
	KVBytesPerToken  float64
	KVCapacityTokens int
	// SingleStreamDecodeTPS is the decode speed of one request alone (tokens/s), and
	// SingleStreamTTFT its time to first token.
	SingleStreamDecodeTPS float64
	SingleStreamTTFT      time.Duration
	// GainAt8 is output throughput at 8 concurrent requests over that at 1.
	GainAt8 float64
	// SaturationOutputTPS and SaturationTotalTPS are output and prompt+output tokens/s
	// with far more concurrent requests than the engine can run.
	SaturationOutputTPS, SaturationTotalTPS float64
	// SaturationPreemptions counts preemptions during the saturation window.
	SaturationPreemptions uint64
	// Reference holds the public figures from the profile.
	Reference Reference
}

// Calibrate runs the calibration workload through the profile's model in virtual time.
func Calibrate(p Profile) (Calibration, error) {
	params, err := p.Params()
	if err != nil {
		return Calibration{}, fmt.Errorf("calibrate %q: %w", p.Name, err)
	}
	single, err := closedLoop(params, 1, 0, 30*time.Second)
	if err != nil {
		return Calibration{}, fmt.Errorf("calibrate %q: single stream: %w", p.Name, err)
	}
	at8, err := closedLoop(params, 8, 0, 30*time.Second)
	if err != nil {
		return Calibration{}, fmt.Errorf("calibrate %q: concurrency 8: %w", p.Name, err)
	}
	sat, err := closedLoop(params, 2*params.MaxNumSeqs, calWarmup, calWindow)
	if err != nil {
		return Calibration{}, fmt.Errorf("calibrate %q: saturation: %w", p.Name, err)
	}
	return Calibration{
		Profile:               p.Name,
		Accelerator:           p.Accelerator.Name,
		Params:                params,
		KVBytesPerToken:       p.KVBytesPerToken(),
		KVCapacityTokens:      params.KVCapacityTokens(),
		SingleStreamDecodeTPS: single.decodeTPS,
		SingleStreamTTFT:      single.meanTTFT,
		GainAt8:               at8.outputTPS / single.outputTPS,
		SaturationOutputTPS:   sat.outputTPS,
		SaturationTotalTPS:    sat.outputTPS * float64(calPrompt+calOutput) / calOutput,
		SaturationPreemptions: sat.preemptions,
		Reference:             p.Reference,
	}, nil
}

// loopResult is what one closed-loop run measured.
type loopResult struct {
	outputTPS   float64
	decodeTPS   float64
	meanTTFT    time.Duration
	preemptions uint64
}

// closedLoop keeps n calibration requests outstanding (a finished one is replaced at
// once) and measures over [warmup, warmup+window).
func closedLoop(params Params, n int, warmup, window time.Duration) (loopResult, error) {
	r, err := NewReplica(params, Options{})
	if err != nil {
		return loopResult{}, err
	}
	var next RequestID
	submit := func(at time.Duration) error {
		next++
		return r.Submit(Request{ID: next, PromptTokens: calPrompt, OutputTokens: calOutput}, at)
	}
	for range n {
		if err := submit(0); err != nil {
			return loopResult{}, err
		}
	}
	var (
		done                       int
		ttftSum, decodeTime        time.Duration
		genAtStart, preemptAtStart uint64
		started                    bool
	)
	sink := func(e Event) {
		if e.Kind != EventFinished || e.Arrival < warmup {
			return
		}
		done++
		ttftSum += e.TTFT()
		decodeTime += e.Time - e.FirstToken
	}
	for r.Now() < warmup+window {
		if !started && r.Now() >= warmup {
			started, genAtStart, preemptAtStart = true, r.c.generationTokens, r.c.preemptions
		}
		if !r.Step(sink) {
			return loopResult{}, fmt.Errorf("engine idle with %d requests live", len(r.live))
		}
		for range n - len(r.live) {
			if err := submit(r.Now()); err != nil {
				return loopResult{}, err
			}
		}
	}
	res := loopResult{
		outputTPS:   float64(r.c.generationTokens-genAtStart) / window.Seconds(),
		preemptions: r.c.preemptions - preemptAtStart,
	}
	if done > 0 {
		res.meanTTFT = ttftSum / time.Duration(done)
		res.decodeTPS = float64(done*(calOutput-1)) / decodeTime.Seconds()
	}
	return res, nil
}

// WriteReport prints calibrations as a table, model figures next to the public ones.
func WriteReport(w io.Writer, cals []Calibration) error {
	for _, c := range cals {
		_, err := fmt.Fprintf(w,
			"%s (%s)\n"+
				"  derived: alpha=%v beta=%v gamma=%v blocks=%d x %d\n"+
				"  KV cache: %.0f B/token (HF Llama 3.1 blog: 0.125 GB per 1k tokens), capacity %d tokens\n"+
				"  single-stream decode: %.1f tok/s   public %.0f-%.0f   (TTFT for 1024-token prompt %v)\n"+
				"  throughput gain at concurrency 8: %.2fx   (A100 sweep, 1024/128: 6.6x)\n"+
				"  saturation (1024 in/128 out): %.0f output tok/s, %.0f total tok/s, %d preemptions   public %.0f-%.0f output tok/s\n",
			c.Profile, c.Accelerator,
			c.Params.Alpha, c.Params.Beta, c.Params.Gamma, c.Params.NumGPUBlocks, c.Params.BlockSize,
			c.KVBytesPerToken, c.KVCapacityTokens,
			c.SingleStreamDecodeTPS, c.Reference.SingleStreamDecodeTPS.Min, c.Reference.SingleStreamDecodeTPS.Max,
			c.SingleStreamTTFT.Round(100*time.Microsecond),
			c.GainAt8,
			c.SaturationOutputTPS, c.SaturationTotalTPS, c.SaturationPreemptions,
			c.Reference.SaturationOutputTPS.Min, c.Reference.SaturationOutputTPS.Max)
		if err != nil {
			return fmt.Errorf("write calibration report: %w", err)
		}
	}
	return nil
}
