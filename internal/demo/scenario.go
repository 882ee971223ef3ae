package demo

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// Phase is one stretch of a scenario whose request rate goes linearly from Rate0 to
// Rate1, named so the live view and the report can say what the load is doing.
type Phase struct {
	// Name is what the load does (quiet, ramp, burst, ...).
	Name string `json:"name"`
	// From and To bound the phase as offsets from the start of the load.
	From time.Duration `json:"from"`
	To   time.Duration `json:"to"`
	// Rate0 and Rate1 are the request rates (per second) at From and To.
	Rate0 float64 `json:"rate0"`
	Rate1 float64 `json:"rate1"`
}

// Scenario is the load a demo run sends: its phases (for display) and the schedule of
// requests (for the load generator).
type Scenario struct {
	// Name is shown in the live view and the report.
	Name string
	// Phases cover [0, Duration); a trace scenario has one phase.
	Phases []Phase
	// Duration is the length of the schedule.
	Duration time.Duration
	// Requests is the schedule the load generator replays.
	Requests []loadgen.Request
	// Credit names the source of the load when it is not ours (the trace's licence).
	Credit string
}

// PhaseAt is the name of the phase at offset t, or "done" past the end.
func (s Scenario) PhaseAt(t time.Duration) string {
	for _, p := range s.Phases {
		if t >= p.From && t < p.To {
			return p.Name
		}
	}
	return "done"
}

// BurstShape is the default scenario's load in requests per second: a quiet start, a
// ramp, a burst well beyond one replica of each variant, a plateau and a fall back to
// quiet, long enough for WVA's one-minute peak window to let replicas go again.
type BurstShape struct {
	// Quiet, Plateau and Burst are request rates per second.
	Quiet, Plateau, Burst float64
	// PromptTokens and OutputTokens are the length of every request.
	PromptTokens, OutputTokens int
	// IdleTail gives the scenario a long stretch with no traffic at all after a shorter
	// burst, so that with scale to zero on WVA takes the model to zero replicas, and ends
	// with a few requests that arrive at zero and wake it (phase "wake").
	IdleTail bool
}

// WakeRate is the request rate of the scale-to-zero scenario's last phase: the first of
// its requests finds the model at zero.
const WakeRate = 0.5

// DefaultBurstShape is sized for the H100 and A100 profiles: one replica of each keeps
// up with the quiet and plateau rates, the burst needs several more.
func DefaultBurstShape() BurstShape {
	return BurstShape{Quiet: 1, Plateau: 6, Burst: 20, PromptTokens: 2000, OutputTokens: 64}
}

// BurstScenario lays the shape's phases over d: quiet 6%, ramp 12%, burst 18%, plateau
// 8%, fall 8%, and a quiet tail of 48%: WVA keeps a replica until the burst has left its
// one-minute peak window, and scales down one replica per variant per step, so the tail
// must be long for the scale-down to show. With IdleTail: quiet 5%, ramp 7%, burst 12%,
// plateau 4%, fall 5%, idle 52% and wake 15%.
func BurstScenario(d time.Duration, shape BurstShape, seed uint64) (Scenario, error) {
	if d < 30*time.Second {
		return Scenario{}, fmt.Errorf("scenario duration %v is too short: at least 30s", d)
	}
	at := func(f float64) time.Duration { return time.Duration(f * float64(d)).Round(time.Second) }
	phases := []Phase{
		{Name: "quiet", From: 0, To: at(0.06), Rate0: shape.Quiet, Rate1: shape.Quiet},
		{Name: "ramp", From: at(0.06), To: at(0.18), Rate0: shape.Quiet, Rate1: shape.Plateau},
		{Name: "burst", From: at(0.18), To: at(0.36), Rate0: shape.Burst, Rate1: shape.Burst},
		{Name: "plateau", From: at(0.36), To: at(0.44), Rate0: shape.Plateau, Rate1: shape.Plateau},
		{Name: "fall", From: at(0.44), To: at(0.52), Rate0: shape.Plateau, Rate1: shape.Quiet},
		{Name: "quiet", From: at(0.52), To: d, Rate0: shape.Quiet, Rate1: shape.Quiet},
	}
	if shape.IdleTail {
		// Shorter load, a long idle stretch (longer than the demo's retention period plus
		// the one-minute peak window) and the wake-up at the end.
		phases = []Phase{
			{Name: "quiet", From: 0, To: at(0.05), Rate0: shape.Quiet, Rate1: shape.Quiet},
			{Name: "ramp", From: at(0.05), To: at(0.12), Rate0: shape.Quiet, Rate1: shape.Plateau},
			{Name: "burst", From: at(0.12), To: at(0.24), Rate0: shape.Burst, Rate1: shape.Burst},
			{Name: "plateau", From: at(0.24), To: at(0.28), Rate0: shape.Plateau, Rate1: shape.Plateau},
			{Name: "fall", From: at(0.28), To: at(0.33), Rate0: shape.Plateau, Rate1: 0},
			{Name: "idle", From: at(0.33), To: at(0.85)},
			{Name: "wake", From: at(0.85), To: d, Rate0: WakeRate, Rate1: WakeRate},
		}
	}
	s := Scenario{Name: "burst", Phases: phases, Duration: d}
	s.Requests = poissonSchedule(phases, shape.PromptTokens, shape.OutputTokens, seed)
	return s, nil
}

// rateAt is the phases' request rate at t.
func rateAt(phases []Phase, t time.Duration) float64 {
	for _, p := range phases {
		if t >= p.From && t < p.To {
			f := float64(t-p.From) / float64(p.To-p.From)
			return p.Rate0 + f*(p.Rate1-p.Rate0)
		}
	}
	return 0
}

// poissonSchedule draws Poisson arrivals following the phases' rate (thinning against
// the peak rate), seeded so every run of a scenario sends the same requests.
func poissonSchedule(phases []Phase, prompt, output int, seed uint64) []loadgen.Request {
	peak, end := 0.0, time.Duration(0)
	for _, p := range phases {
		peak, end = max(peak, p.Rate0, p.Rate1), max(end, p.To)
	}
	if peak <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 17))
	var out []loadgen.Request
	for t := 0.0; ; {
		t += rng.ExpFloat64() / peak
		at := time.Duration(t * float64(time.Second))
		if at >= end {
			return out
		}
		if rng.Float64()*peak < rateAt(phases, at) {
			out = append(out, loadgen.Request{At: at, PromptTokens: prompt, OutputTokens: output})
		}
	}
}

// TraceCredit credits the shared trace wherever its load is shown (CC-BY).
const TraceCredit = "Load: Azure LLM inference trace 2023 (conversation), Microsoft Azure Public Dataset, CC-BY 4.0; " +
	"as analysed in Patel et al., \"Splitwise\", ISCA 2024."

// TraceScenario replays the Azure LLM inference trace in the Azure format at path,
// from offset, sped up, for d of wall time.
func TraceScenario(path string, offset time.Duration, speedUp float64, d time.Duration, seed uint64) (Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("open trace: %w", err)
	}
	defer func() { _ = f.Close() }()
	recs, err := loadgen.ReadAzureTrace(f)
	if err != nil {
		return Scenario{}, fmt.Errorf("read trace %s: %w", path, err)
	}
	if speedUp <= 0 {
		speedUp = 1
	}
	reqs, err := loadgen.FromTrace(recs, loadgen.TraceOptions{Offset: offset, Duration: time.Duration(float64(d) * speedUp), SpeedUp: speedUp, Seed: seed})
	if err != nil {
		return Scenario{}, fmt.Errorf("reshape trace: %w", err)
	}
	name := fmt.Sprintf("trace ×%g", speedUp)
	return Scenario{Name: name, Phases: []Phase{{Name: "trace", From: 0, To: d}}, Duration: d, Requests: reqs, Credit: TraceCredit}, nil
}
