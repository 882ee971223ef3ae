package perfmodel

import "math"

// points is how many slices a token distribution is split into when a percentile is
// mixed over it (see sliceEdges).
const points = 14

// kvHeadroom is the share of the KV cache the model lets the predicted in-use tokens
// reach before it calls the replica overloaded: above it vLLM preempts and recomputes.
const kvHeadroom = 0.95

// Prediction is what the model expects of one replica at one arrival rate and mix. A
// replica that cannot keep up (Stable false) has infinite latencies.
type Prediction struct {
	// Rate is the arrival rate per replica, requests per second.
	Rate float64
	// Utilisation is ρ: the share of the engine's time spent on tokens (not step overhead).
	Utilisation float64
	// Stable is false when the replica cannot keep up: ρ ≥ 1, or the requests in flight
	// would overflow the KV cache or max_num_seqs.
	Stable bool
	// Busy is the share of time the engine is running steps.
	Busy float64
	// StepTime is the mean step time while busy, seconds.
	StepTime float64
	// Running is the mean number of requests in the engine.
	Running float64
	// KVUsage is the predicted mean KV-cache usage, 0..1 (0 when the size is unknown).
	KVUsage float64
	// TTFTMean is the mean time to first token, seconds.
	TTFTMean float64
	// ITLMean is the mean inter-token latency over all generated tokens, seconds: what
	// the mean of vLLM's inter-token latency histogram reports.
	ITLMean float64

	d dists
}

// dists holds what is needed to evaluate the latency distributions.
type dists struct {
	busy        float64         // probability an arrival finds the engine busy
	alpha       float64         // step overhead
	base        float64         // step time without prefill: α + decode work
	prefillCost float64         // β+γ: seconds per prompt token
	wait        moments3        // rest of the step in progress plus prompts batched with ours
	in          [points]float64 // prompt length per slice
	chunk       [points]float64 // extra step overhead for prompts split into chunks
	stepCap     float64         // the most prompt work one step can carry: cp·budget
	fifoWeight  float64         // how much the prompts queue first come, first served
	fifoBusy    float64         // chance a prompt finds the FIFO prompt queue busy
	fifoCost    float64         // seconds per queued prompt token, chunk steps included
	fifoWait    moments3        // its wait, given it waits
	out         [points]float64 // decode steps (output tokens − 1) per slice
	decodeNoise float64         // variance of a decode step from the number decoding
	meanDec     float64         // mean decode steps per request
	rate        float64
	inM         [4]float64                  // raw moments of the prompt length
	rhoP        float64                     // prefill utilisation
	firstStep   [len(coarseWeights)]float64 // its own prefill step, per coarse prompt slice
	mates       float64                     // other requests in an arrival's clump
	waitTail    tail                        // wait, fitted
	fifoTail    tail                        // fifoWait, fitted
	itl         [points][len(coarseWeights)]itlCell
	noise       [points]tail // the base step's swing alone, per output slice
}

// Predict returns the model's expectation for one replica receiving Poisson arrivals at
// rate requests per second with the given token mix.
func Predict(p Params, e Engine, m Mix, rate float64) Prediction {
	sh := m.shape()
	return predict(p, e, &sh, rate, true)
}

// Predictor predicts one replica of one variant at many arrival rates: the mix's
// moments and slices, the same for every rate, are computed once. Its predictions are
// exactly Predict's.
type Predictor struct {
	p  Params
	e  Engine
	sh shape
}

// NewPredictor prepares predictions for the parameters, engine and mix.
func NewPredictor(p Params, e Engine, m Mix) *Predictor {
	return &Predictor{p: p, e: e, sh: m.shape()}
}

// Predict is Predict(p, e, m, rate) for the predictor's p, e and m.
func (pd *Predictor) Predict(rate float64) Prediction { return predict(pd.p, pd.e, &pd.sh, rate, true) }

// predictMeans is Predict without the latency distributions: the means, utilisation and
// stability only, for the learner, which compares means.
func predictMeans(p Params, e Engine, sh *shape, rate float64) Prediction {
	return predict(p, e, sh, rate, false)
}

// shape is what predictions need of a mix whatever the rate and parameters: the raw
// moments and the mean length per slice of the prompts and outputs.
type shape struct {
	inM, outM [4]float64
	in, out   [points]float64
	coarse    [len(coarseWeights)]float64 // prompt length per coarse slice
}

// shape prepares the mix for predictions.
func (m Mix) shape() shape {
	sh := shape{inM: m.Input.moments(), outM: m.Output.moments()}
	m.Input.slices(&sh.in)
	m.Output.slices(&sh.out)
	m.Input.slicesOn(coarseEdges[:], coarseZ, sh.coarse[:])
	return sh
}

// predict computes a prediction; full also fits the distributions percentiles need.
func predict(p Params, e Engine, sh *shape, rate float64, full bool) Prediction {
	lam := math.Max(rate, 0)
	inM, outM := sh.inM, sh.outM
	in1 := inM[0]
	dec := math.Max(outM[0]-1, 0) // decode steps per request
	decCtx := outM[1] - outM[0]   // E[O(O−1)]
	cp := p.Beta + p.Gamma        // cost per prompt token
	ctx := in1                    // mean context of a decoding request
	if dec > 0 {
		ctx = in1 + decCtx/(2*dec)
	}
	perDecode := p.Beta + p.Gamma*ctx
	rhoP := lam * cp * in1
	// Arrivals come in clumps of about D requests of one length: clumps arrive at λ/D
	// and carry D times a prompt's tokens (moments Dʲ·E[Iʲ]).
	clump := p.clump()
	evRate := lam / clump
	var evM [4]float64
	for j := range evM {
		evM[j] = math.Pow(clump, float64(j+1)) * inM[j]
	}
	pr := Prediction{Rate: lam, Utilisation: rhoP + lam*dec*perDecode, Stable: true}
	if pr.Utilisation >= 1-1e-9 {
		return unstable(pr)
	}

	// Idle time: the prompt queue is empty (an M/G/1 server at load ρ_p) and no request
	// is still decoding (those that left the queue within one unhurried decode).
	idle := (1 - rhoP) * math.Exp(-evRate*dec*(p.Alpha+perDecode))
	busy := math.Max(1-idle, math.Min(1, pr.Utilisation+lam*p.Alpha))
	if busy-pr.Utilisation < 1e-9 {
		busy = 1
	}
	step := p.Alpha * busy / (busy - pr.Utilisation) // steps run back to back while busy
	// A share of the steps start a busy period with one prompt; the others carry the
	// prompts that arrived during the step before. Choose the base step (α + decode
	// work) so that the mean step matches the time identity above.
	start := math.Min(evRate*(1-busy)*step/busy, 1)
	base := math.Max(p.Alpha, (step-start*(p.Alpha+cp*clump*in1))/math.Max(1e-9, 1-start)-rhoP*step)
	if start >= 1 {
		base = p.Alpha
	}
	decoding := (base - p.Alpha) / perDecode
	pr.Busy, pr.StepTime = busy, step

	d := dists{busy: busy, alpha: p.Alpha, base: base, prefillCost: cp, rate: evRate, inM: evM, rhoP: rhoP, mates: clump - 1}
	// The number decoding swings (more decoders make every step, and so every decode,
	// longer, which keeps more decoding: the swing grows as 1/(1−ρ_d)).
	d.decodeNoise = perDecode * perDecode * decoding / math.Max(1-(pr.Utilisation-rhoP), 0.05)
	d.meanDec = dec
	d.in, d.out = sh.in, sh.out
	budget := math.Inf(1)
	if e.MaxBatchedTokens > 0 {
		budget = math.Max(float64(e.MaxBatchedTokens)-decoding, 1)
		// Every step carries at most budget prompt tokens: the engine must run at least
		// λ·E[I]/budget steps a second, and has (busy−ρ)/α of them.
		if lam*in1/budget >= (1-pr.Utilisation)/p.Alpha {
			return unstable(pr)
		}
	}
	// Prompts that do not fit one step's budget are prefilled in chunks, each chunk
	// paying a base step too: about budget·(tokens/budget − ½) extra per prompt batch.
	batch := in1 + lam*in1*step/busy
	cpq := cp + math.Max(0, 1-0.5*budget/batch)*base/budget
	if lam*cpq*in1 >= 1-1e-9 {
		return unstable(pr) // prompts, with their chunk overhead, arrive faster than they are prefilled
	}
	steps := stepMoments(evRate, cpq, p.Alpha, base, start, evM)
	d.wait = waitMoments(steps, evRate, cpq, evM)
	d.stepCap = cp * budget
	queued := d.wait.mean / cpq // prompt tokens ahead of or with ours, roughly
	// When the prompts to prefill overflow a step's budget, the engine works through
	// them first come, first served, budget tokens per step: a FIFO queue (M/G/1) with
	// service cpFull per prompt token. Blend the two views by the chance that a prompt
	// and those batched with it overflow the budget.
	if fifo := overflow(steps, evRate, evM, budget); fifo > 0 && lam > 0 {
		cpFull := cp + base/budget
		rhoQ := lam * cpFull * in1
		if rhoQ >= 1-1e-9 {
			return unstable(pr)
		}
		d.fifoWeight = fifo
		d.fifoBusy = rhoQ
		d.fifoCost = cpFull
		d.fifoWait = fifoWait(evRate, cpFull, evM, rhoQ)
	}
	ttft, firstMean := 0.0, 0.0
	for i := range d.out {
		d.out[i] = math.Max(d.out[i]-1, 0)
		d.chunk[i] = math.Floor((clump*d.in[i]+queued)/budget) * base
		own := cp*clump*d.in[i] + d.chunk[i] // its clump is prefilled in the same step
		gated := (1-busy)*(p.Alpha+own) + busy*(base+d.wait.mean+own)
		fifo := base + d.fifoBusy*d.fifoWait.mean + d.fifoCost*(1+d.mates/2)*d.in[i] // half its clump ahead
		ttft += sliceWeights[i] * ((1-d.fifoWeight)*gated + d.fifoWeight*fifo)
	}
	// The prompts that arrive during a request's own prefill step are prefilled in its
	// first decode step: its decode window effectively opens with that step.
	for j, in := range sh.coarse {
		d.firstStep[j] = (1-busy)*(p.Alpha+cp*clump*in) + busy*(base+d.wait.mean+cp*clump*in)
		firstMean += coarseWeights[j] * d.firstStep[j]
	}
	if full {
		d.waitTail, d.fifoTail = d.wait.fit(), d.fifoWait.fit()
		d.fitITL()
	}
	pr.d = d
	pr.TTFTMean = ttft
	// A step carries at most the budget of prompt tokens, which bounds every gap.
	pr.ITLMean = math.Min(base/(1-rhoP)+cp*lam*in1*firstMean/(math.Max(dec, 1)*(1-rhoP)), base+d.stepCap)
	pr.Running = lam * (ttft + dec*pr.ITLMean)
	if e.KVTokens > 0 {
		held := lam * (in1*(ttft+dec*pr.ITLMean) + pr.ITLMean*decCtx/2)
		pr.KVUsage = held / float64(e.KVTokens)
		if pr.KVUsage > kvHeadroom {
			return unstable(pr)
		}
	}
	if e.MaxNumSeqs > 0 && pr.Running > float64(e.MaxNumSeqs) {
		return unstable(pr)
	}
	return pr
}

// stepMoments returns the first four raw moments of a busy step's duration. A step
// either starts a busy period, carrying the one prompt that woke the idle engine (a share
// start of the steps), or follows another step and carries the prompts that arrived
// during it: base + C, where C = cp·(compound Poisson sum over the previous step) has
// raw moments linear in the previous step's. The stationary moments solve that linear
// recursion; it is triangular (the j-th moment needs only the lower ones), so each is
// found in turn.
func stepMoments(lam, cp, alpha, base, start float64, inM [4]float64) [4]float64 {
	g1, g2, g3, g4 := lam*cp*inM[0], lam*cp*cp*inM[1], lam*cp*cp*cp*inM[2], lam*cp*cp*cp*cp*inM[3]
	// Raw moments of a start step: α + cp·I.
	i1, i2, i3, i4 := cp*inM[0], cp*cp*inM[1], cp*cp*cp*inM[2], cp*cp*cp*cp*inM[3]
	a := alpha
	st1 := a + i1
	st2 := a*a + 2*a*i1 + i2
	st3 := a*a*a + 3*a*a*i1 + 3*a*i2 + i3
	st4 := a*a*a*a + 4*a*a*a*i1 + 6*a*a*i2 + 4*a*i3 + i4
	q := 1 - start
	b := base
	// m_j = q·E[(b + C)ʲ] + start·st_j, with C's j-th moment = (lower terms) + g1ʲ·m_j.
	m1 := (q*b + start*st1) / (1 - q*g1)
	c1 := g1 * m1
	c2low := g2 * m1
	m2 := (q*(b*b+2*b*c1+c2low) + start*st2) / (1 - q*g1*g1)
	c2 := c2low + g1*g1*m2
	c3low := g3*m1 + 3*g1*g2*m2
	m3 := (q*(b*b*b+3*b*b*c1+3*b*c2+c3low) + start*st3) / (1 - q*g1*g1*g1)
	c3 := c3low + g1*g1*g1*m3
	c4low := g4*m1 + (4*g1*g3+3*g2*g2)*m2 + 6*g1*g1*g2*m3
	m4 := (q*(b*b*b*b+4*b*b*b*c1+6*b*b*c2+4*b*c3+c4low) + start*st4) / (1 - q*g1*g1*g1*g1)
	return [4]float64{m1, m2, m3, m4}
}

// waitMoments returns the moments of what an arrival to a busy engine waits besides its
// own prompt and the base step: the rest of the step in progress (length-biased) plus the
// prompts that arrive during that step, which are prefilled together with its own.
func waitMoments(t [4]float64, lam, cp float64, inM [4]float64) moments3 {
	// Moments of the length-biased step: E[T*ᵐ] = E[Tᵐ⁺¹]/E[T].
	b1, b2, b3 := t[1]/t[0], t[2]/t[0], t[3]/t[0]
	g1, g2, g3 := lam*cp*inM[0], lam*cp*cp*inM[1], lam*cp*cp*cp*inM[2]
	// Given T* = t: W = U·t + C, U uniform, C compound Poisson with cumulants gⱼ·t.
	r1 := b1/2 + g1*b1
	r2 := b2/3 + g1*b2 + g2*b1 + g1*g1*b2
	r3 := b3/4 + g1*b3 + 1.5*(g2*b2+g1*g1*b3) + g3*b1 + 3*g2*g1*b2 + g1*g1*g1*b3
	return fromRaw(r1, r2, r3)
}

// overflow is the chance that a prompt's clump plus the clumps that arrived during the
// step in progress (length-biased, moments from stepMoments) exceed the step's token budget,
// with a gamma fitted to their token count.
func overflow(t [4]float64, lam float64, inM [4]float64, budget float64) float64 {
	if math.IsInf(budget, 1) {
		return 0
	}
	b1, b2 := t[1]/t[0], t[2]/t[0]
	mean := lam*inM[0]*b1 + inM[0] // clumps arriving during the step, and its own
	v := lam*inM[1]*b1 + lam*inM[0]*lam*inM[0]*(b2-b1*b1) + inM[1] - inM[0]*inM[0]
	return moments3{mean: mean, variance: v, third: 2 * v * v / mean}.survival(budget)
}

// fifoWait returns the moments of an M/G/1 first-come-first-served wait, given that the
// arrival waits (probability ρ), for service times cost·I: Takács' recursion
// E[Wᵏ] = λ/(1−ρ)·Σᵢ C(k,i)·E[Sⁱ⁺¹]/(i+1)·E[Wᵏ⁻ⁱ].
func fifoWait(lam, cost float64, inM [4]float64, rho float64) moments3 {
	s2, s3, s4 := cost*cost*inM[1], cost*cost*cost*inM[2], cost*cost*cost*cost*inM[3]
	k := lam / (1 - rho)
	w1 := k * s2 / 2
	w2 := k * (2*(s2/2)*w1 + s3/3)
	w3 := k * (3*(s2/2)*w2 + 3*(s3/3)*w1 + s4/4)
	return fromRaw(w1/rho, w2/rho, w3/rho)
}

// unstable marks a prediction as overloaded.
func unstable(pr Prediction) Prediction {
	pr.Stable = false
	pr.StepTime, pr.TTFTMean, pr.ITLMean = math.Inf(1), math.Inf(1), math.Inf(1)
	return pr
}

// TTFTSurvival is the predicted share of requests whose time to first token exceeds t
// seconds.
func (pr *Prediction) TTFTSurvival(t float64) float64 {
	if !pr.Stable {
		return 1
	}
	d := &pr.d
	s := 0.0
	for i, in := range d.in {
		own := d.prefillCost*(1+d.mates)*in + d.chunk[i]
		idle := 0.0
		if d.alpha+own > t { // an idle engine starts the prompt at once
			idle = 1
		}
		gated := (1-d.busy)*idle + d.busy*d.waitTail.survival(t-d.base-own)
		if d.fifoWeight > 0 {
			rest := t - d.base - d.fifoCost*(1+d.mates/2)*in
			fifo := d.fifoBusy * d.fifoTail.survival(rest)
			if rest < 0 {
				fifo = 1
			}
			gated = (1-d.fifoWeight)*gated + d.fifoWeight*fifo
		}
		s += sliceWeights[i] * gated
	}
	return s
}

// ITLSurvival is the predicted share of requests whose mean inter-token latency exceeds
// t seconds (requests with one output token have none and never exceed it).
func (pr *Prediction) ITLSurvival(t float64) float64 {
	if !pr.Stable {
		return 1
	}
	d := &pr.d
	s := 0.0
	for i := range d.out {
		if !d.itl[i][0].skip {
			s += sliceWeights[i] * d.itlSurvival(t, i)
		}
	}
	return s
}

// itlCell is the distribution of one request's mean inter-token latency, for one
// output-length slice and one prompt-length slice: its steps take the base step time,
// plus the prompts that arrived during its own prefill step and those that arrive while
// it decodes (each prefilled in one of its steps, which makes its window longer and lets
// more arrive).
type itlCell struct {
	none   float64 // chance that no prompt arrives in its window
	prompt tail    // with at least one prompt prefilled in its window
	skip   bool    // a one-token answer: no inter-token latency
}

// fitITL fits the cells once per prediction.
func (d *dists) fitITL() {
	inflate := 1 / (1 - d.rhoP)
	m := d.inM
	for i, dec := range d.out {
		if dec < 1 {
			for j := range d.firstStep {
				d.itl[i][j].skip = true
			}
			continue
		}
		// The number decoding changes on the time scale of a mean decode; a request
		// averages it over its own decode, which smooths the swing only when it is
		// longer than that. It depends on the output slice alone.
		noise := moments3{mean: d.base, variance: d.decodeNoise / (1 + dec/(2*math.Max(d.meanDec, 1)))}
		d.noise[i] = noise.fit()
		for j, first := range d.firstStep {
			c := &d.itl[i][j]
			mu := d.rate * (dec*d.base + first) * inflate // prompts expected in its window
			c.none = math.Exp(-mu)
			if mu < 1e-9 {
				c.none = 1
				continue
			}
			// Prompt tokens arriving during the window, given at least one arrives.
			r1 := mu * m[0] / (1 - c.none)
			r2 := (mu*m[1] + mu*mu*m[0]*m[0]) / (1 - c.none)
			r3 := (mu*m[2] + 3*mu*mu*m[1]*m[0] + mu*mu*mu*m[0]*m[0]*m[0]) / (1 - c.none)
			pf := fromRaw(r1, r2, r3)
			// Deviations feed back (a longer window lets more arrive); the mean already
			// counts it.
			k := d.prefillCost / dec
			pf = moments3{mean: pf.mean * k, variance: pf.variance * k * k * inflate * inflate, third: pf.third * k * k * k * inflate * inflate * inflate}
			c.prompt = pf.plus(noise).fit()
		}
	}
}

// itlSurvival is P(mean ITL > t) for a request in output slice i, mixed over the
// prompt length of its own prefill step.
func (d *dists) itlSurvival(t float64, i int) float64 {
	s := 0.0
	sNone := d.noise[i].survival(t)
	for j := range d.firstStep {
		c := &d.itl[i][j]
		if t-d.base >= d.stepCap || c.none >= 1 {
			s += coarseWeights[j] * sNone // no step carries more than the token budget
			continue
		}
		s += coarseWeights[j] * (c.none*sNone + (1-c.none)*c.prompt.survival(t))
	}
	return s
}

// TTFTQuantile returns the q-quantile of time to first token, seconds.
func (pr *Prediction) TTFTQuantile(q float64) float64 {
	if !pr.Stable {
		return math.Inf(1)
	}
	return quantileOf(pr.TTFTSurvival, q, pr.TTFTMean)
}

// ITLQuantile returns the q-quantile of the per-request mean inter-token latency, seconds.
func (pr *Prediction) ITLQuantile(q float64) float64 {
	if !pr.Stable {
		return math.Inf(1)
	}
	return quantileOf(pr.ITLSurvival, q, pr.ITLMean)
}
