package decision

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/decision/solve"
)

// What the optimiser's answer is expected to show and how its reason reads, with the
// number and duration formatting the package's reasons share (round3, durationOf, ms).

// predictAt fills the p95 latencies each variant is expected to show at the chosen
// allocation, with the planned rate spread over replicas in proportion to capacity.
func (h *hybrid) predictAt(res solve.Result, rates []float64, fo forecast.Forecast) {
	if res.Capacity <= 0 {
		return
	}
	models := map[string]VariantModel{}
	for _, vm := range h.in.Variants {
		models[vm.Name] = vm
	}
	mix := fo.Mix
	if mix.Validate() != nil {
		mix = h.in.Traffic.Mix
	}
	for i := range h.p.variants {
		vo := &h.out.Variants[i]
		if res.Counts[i] == 0 || rates[i] <= 0 {
			continue
		}
		perReplica := math.Max(fo.Planned, 0) * rates[i] / res.Capacity
		pr := perfmodel.Predict(vo.Params, models[vo.Name].Engine, mix, perReplica)
		vo.PredictedTTFT, vo.PredictedITL = pr.TTFTQuantile(reportQuantile), pr.ITLQuantile(reportQuantile)
		h.out.PredictedTTFT = math.Max(h.out.PredictedTTFT, vo.PredictedTTFT)
		h.out.PredictedITL = math.Max(h.out.PredictedITL, vo.PredictedITL)
	}
}

// summary phrases both answers and the figures they rest on, for the model's reason.
func (h *hybrid) summary(res solve.Result, fo forecast.Forecast, keepWhy string, capTotal, modelTotal int, rates []float64) string {
	var per []string
	for i := range h.p.variants {
		per = append(per, fmt.Sprintf("%s %s/s (credit %s)", h.p.variants[i].state.Name, fmtNum(round3(rates[i])), fmtNum(round3(h.credit[i]))))
	}
	return fmt.Sprintf("capacity answer %d replica(s) (%s), model answer %d (%s); forecast %s req/s in %v, planned %s with headroom %s; %s; per-replica rate within objectives (sized for %s%%, with the feedback's credit): %s (%s); predicted p95 TTFT %s, ITL %s at the chosen allocation; %s",
		capTotal, h.capacityWhy(), modelTotal, res.Reason, fmtNum(round3(fo.Rate)), fo.Horizon.Round(time.Second),
		fmtNum(round3(fo.Planned)), fmtNum(round3(fo.Headroom)), keepWhy, fmtNum(round3(100*h.sizing)), strings.Join(per, ", "),
		h.feedbackWhy(), ms(h.out.PredictedTTFT), ms(h.out.PredictedITL), h.sloWhy)
}

// feedbackWhy phrases the credit's grounds.
func (h *hybrid) feedbackWhy() string {
	b := h.out.State.Budget
	if b.Updated.IsZero() {
		return "no attainment observed yet"
	}
	return fmt.Sprintf("observed attainment %.1f%% over the last windows against a goal of %s%%", 100*b.Attainment, fmtNum(round3(100*h.settings.Feedback.Goal)))
}

// capacityWhy is the saturation analyser's own verdict, shortened.
func (h *hybrid) capacityWhy() string {
	r := h.p.reason
	if i := strings.Index(r, "; model-based"); i >= 0 {
		r = r[:i]
	}
	return "saturation " + r
}

// round3 keeps three significant digits for reasons.
func round3(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	scale := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(f))))
	return math.Round(f*scale) / scale
}

// durationOf converts seconds to a duration rounded for reading (ms precision).
func durationOf(s float64) time.Duration {
	if math.IsInf(s, 0) || math.IsNaN(s) || s > 1e6 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond / 10)
}

// ms prints seconds as milliseconds.
func ms(s float64) string {
	if math.IsInf(s, 1) {
		return "∞"
	}
	return fmtNum(math.Round(s*1e4)/10) + " ms"
}
