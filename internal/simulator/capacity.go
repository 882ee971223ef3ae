package simulator

import (
	"math/rand/v2"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Calibration bounds: the search stops at this rate, and a trial replays at most this
// many requests (at least calMinRequests) over about calTrialSpan of virtual time.
const (
	calMaxRate     = 4096.0
	calMinRequests = 300
	calMaxRequests = 3000
	calTrialSpan   = 300 * time.Second
	calBisections  = 10
)

// sustainableRate finds the largest Poisson arrival rate (requests/s) at which one
// replica with these engine parameters serves the request mix with at least the model's
// attainment target of requests within their SLO, and every class its own target. It
// doubles the rate until a trial fails, then bisects. A variant that cannot meet the
// SLO even when nearly idle gets 0.
func sustainableRate(p servermodel.Params, mix []arrival, m *ModelConfig, seed uint64) (float64, error) {
	fit := fitting(mix, p)
	if len(fit) == 0 {
		return 0, nil
	}
	ok := func(rate float64) (bool, error) {
		r, err := trial(p, fit, m, rate, seed)
		return r.meets(m), err
	}
	lo, hi := 0.0, 0.25
	for hi <= calMaxRate {
		good, err := ok(hi)
		if err != nil {
			return 0, err
		}
		if !good {
			break
		}
		lo, hi = hi, hi*2
	}
	if lo == 0 {
		if good, err := ok(0.01); err != nil || !good {
			return 0, err
		}
		lo = 0.01
	}
	for range calBisections {
		mid := (lo + hi) / 2
		good, err := ok(mid)
		if err != nil {
			return 0, err
		}
		if good {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// trialResult is what one calibration trial measured after its warm-up: attainment
// overall and per class, and the mean KV tokens in use seen by arriving requests
// (Poisson arrivals see time averages).
type trialResult struct {
	attainment float64
	classes    []float64
	held       float64
}

// meets reports whether the trial reached the model's target and every class's.
func (r trialResult) meets(m *ModelConfig) bool {
	if r.attainment < m.AttainmentTarget {
		return false
	}
	for ci, att := range r.classes {
		if att < m.Classes[ci].AttainmentTarget {
			return false
		}
	}
	return true
}

// trial replays Poisson arrivals at rate, lengths and classes drawn from mix, through
// one replica, and measures the requests after a 10% warm-up.
func trial(p servermodel.Params, mix []arrival, m *ModelConfig, rate float64, seed uint64) (trialResult, error) {
	n := min(calMaxRequests, max(calMinRequests, int(rate*calTrialSpan.Seconds())))
	rng := rand.New(rand.NewPCG(seed, 0xca1))
	rep, err := servermodel.NewReplica(p, servermodel.Options{Seed: seed})
	if err != nil {
		return trialResult{}, err
	}
	reqs := make([]arrival, n)
	at := 0.0
	for i := range reqs {
		at += rng.ExpFloat64() / rate
		reqs[i] = mix[rng.IntN(len(mix))]
		reqs[i].at = time.Duration(at * float64(time.Second))
	}
	warm := n / 10
	met := 0
	classMet, classN := make([]int, len(m.Classes)), make([]int, len(m.Classes))
	for i := warm; i < n; i++ {
		if c := reqs[i].class; c >= 0 {
			classN[c]++
		}
	}
	sink := func(e servermodel.Event) {
		if e.Kind != servermodel.EventFinished || int(e.ID) < warm {
			return
		}
		a := &reqs[e.ID]
		slo := m.SLO
		if a.class >= 0 {
			slo = m.Classes[a.class].SLO
		}
		if e.TTFT() <= slo.TTFT.D() && (e.OutputTokens < 2 || e.MeanITL() <= slo.ITL.D()) {
			met++
			if a.class >= 0 {
				classMet[a.class]++
			}
		}
	}
	inUse := 0.0
	for i := range reqs {
		if err := rep.Advance(reqs[i].at, sink); err != nil {
			return trialResult{}, err
		}
		if i >= warm {
			inUse += rep.KVUsage() * float64(p.KVCapacityTokens())
		}
		if err := rep.Submit(servermodelRequest(i, &reqs[i]), reqs[i].at); err != nil {
			return trialResult{}, err
		}
	}
	for rep.Step(sink) {
	}
	r := trialResult{attainment: float64(met) / float64(n-warm), held: inUse / float64(n-warm)}
	for ci := range classN {
		att := 1.0
		if classN[ci] > 0 {
			att = float64(classMet[ci]) / float64(classN[ci])
		}
		r.classes = append(r.classes, att)
	}
	return r, nil
}

// fitting keeps the requests an engine with these parameters can run.
func fitting(mix []arrival, p servermodel.Params) []arrival {
	var fit []arrival
	for _, a := range mix {
		if a.prompt+a.output <= p.MaxModelLen {
			fit = append(fit, a)
		}
	}
	return fit
}
