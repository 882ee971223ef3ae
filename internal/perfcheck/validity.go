package perfcheck

import (
	"fmt"
	"math"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// Point is one cell of the validity grid: one variant, one mix, one load level.
type Point struct {
	// Variant and Mix name the cell; Load is the share of saturation, Rate the arrival
	// rate per replica it stands for.
	Variant, Mix string
	Load, Rate   float64
	// Sim is what the simulated replica showed.
	Sim Measured
	// TTFTP95, ITLP95, TTFTMean and ITLMean are the model's predictions with the true
	// parameters, seconds.
	TTFTP95, ITLP95, TTFTMean, ITLMean float64
	// RefTTFTMean and RefITLMean are the reference queue's mean predictions.
	RefTTFTMean, RefITLMean float64
}

// Errors are the model's relative errors on the 95th percentiles.
func (p Point) Errors() (ttft, itl float64) {
	return p.TTFTP95/p.Sim.TTFTP95 - 1, p.ITLP95/p.Sim.ITLP95 - 1
}

// MeanErrors are the relative errors of the model's and of the reference's means.
func (p Point) MeanErrors() (ttft, itl, refTTFT, refITL float64) {
	return p.TTFTMean/p.Sim.TTFTMean - 1, p.ITLMean/p.Sim.ITLMean - 1, p.RefTTFTMean/p.Sim.TTFTMean - 1, p.RefITLMean/p.Sim.ITLMean - 1
}

// Loads are the load levels checked, as shares of saturation.
func Loads() []float64 { return []float64{0.2, 0.35, 0.5, 0.65, 0.8, 0.9} }

// minRequests per cell keep the simulated 95th percentile from resting on a handful of
// requests at low rates.
const minRequests = 3000

// Validity simulates every variant, mix and load level (each cell seeded alike, so the
// grid is deterministic) and compares the model with the simulation. progress, when
// not nil, is told each cell as it completes.
func Validity(variants []Variant, mixes []Mix, loads []float64, progress func(Point)) ([]Point, error) {
	var out []Point
	for _, v := range variants {
		for _, m := range mixes {
			sat, err := Saturation(v, m, 1)
			if err != nil {
				return nil, err
			}
			for _, load := range loads {
				rate := load * sat
				span := max(10*time.Minute, time.Duration(minRequests/rate*float64(time.Second)))
				sim, err := Simulate(v, m, rate, span, 2)
				if err != nil {
					return nil, err
				}
				pr := perfmodel.Predict(v.Model, v.Engine, m.Tokens, rate)
				if !pr.Stable {
					return nil, fmt.Errorf("perfcheck: %s, %s at %.0f%% of saturation (%.3g/s): the model calls it unstable", v.Name, m.Name, 100*load, rate)
				}
				p := Point{
					Variant: v.Name, Mix: m.Name, Load: load, Rate: rate, Sim: sim,
					TTFTP95: pr.TTFTQuantile(0.95), ITLP95: pr.ITLQuantile(0.95), TTFTMean: pr.TTFTMean, ITLMean: pr.ITLMean,
				}
				p.RefTTFTMean, p.RefITLMean = referenceQueue(v.Model, v.Engine, m.Tokens, rate)
				out = append(out, p)
				if progress != nil {
					progress(p)
				}
			}
		}
	}
	return out, nil
}

// WorstErrors returns the largest absolute relative error of the model's p95 TTFT and
// ITL and of the model's and the reference's means over the grid.
func WorstErrors(points []Point) (ttft, itl, meanTTFT, meanITL, refTTFT, refITL float64) {
	for _, p := range points {
		a, b := p.Errors()
		c, d, e, f := p.MeanErrors()
		ttft, itl = math.Max(ttft, math.Abs(a)), math.Max(itl, math.Abs(b))
		meanTTFT, meanITL = math.Max(meanTTFT, math.Abs(c)), math.Max(meanITL, math.Abs(d))
		refTTFT, refITL = math.Max(refTTFT, math.Abs(e)), math.Max(refITL, math.Abs(f))
	}
	return
}
