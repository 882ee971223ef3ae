package simulator

import (
	"fmt"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/latency"
)

// measure turns a finished run into its PolicyResult.
func (s *sim) measure(sc *Scenario) (PolicyResult, error) {
	res := PolicyResult{
		Name: s.policy.Name(), Type: s.traits.Type, Detail: s.traits.Detail,
		Requests: len(s.records), Failed: s.failed,
	}
	s.measureRequests(&res)
	s.measureCost(&res)
	s.measureActions(&res)
	res.Drain = DrainResult{RemovedServing: s.drain.removedServing, InFlightAtRemoval: s.drain.inFlightAtRemoval, Aborted: s.drain.aborted}
	caps, err := sc.Capacities()
	if err != nil {
		return PolicyResult{}, fmt.Errorf("measure %s: %w", s.policy.Name(), err)
	}
	load := sc.LoadSeries()
	res.Reactions = s.reactions(caps, load)
	s.measureBehind(caps, load, &res)
	res.Series = s.seriesResult()
	s.measureModels(&res)
	if p, ok := s.policy.(Plotter); ok {
		res.Plots = p.Plots(&res, sc.LoadSeries())
	}
	return res, nil
}

// measureModels judges each model against its target and its classes against theirs.
func (s *sim) measureModels(res *PolicyResult) {
	res.MeetsSLO = true
	for mi, m := range s.models {
		mr := ModelResult{Model: m.cfg.Name, Requests: s.wl.perModel[mi], Attainment: s.modelAttainment(mi),
			Target: m.cfg.AttainmentTarget}
		mr.MeetsTarget = mr.Attainment >= mr.Target
		for _, c := range res.Classes {
			if c.Model == m.cfg.Name && !c.MeetsTarget {
				mr.MeetsTarget = false
			}
		}
		res.MeetsSLO = res.MeetsSLO && mr.MeetsTarget
		res.Models = append(res.Models, mr)
	}
}

// slo returns the objective a request is judged by: its class's, else its model's.
func (s *sim) slo(a *arrival) SLO {
	m := s.models[a.model].cfg
	if a.class >= 0 {
		return m.Classes[a.class].SLO
	}
	return m.SLO
}

// verdict says whether request i met its TTFT and ITL targets. A failed request meets
// neither; a one-token answer has no inter-token latency and meets the ITL target.
func (s *sim) verdict(i int) (ttftOK, itlOK bool) {
	rec := &s.records[i]
	if rec.state != reqDone {
		return false, false
	}
	slo := s.slo(&s.wl.arrivals[i])
	return rec.ttft <= slo.TTFT.D(), rec.outputs < 2 || rec.itl <= slo.ITL.D()
}

// measureRequests computes attainment, per-class attainment and latency percentiles.
func (s *sim) measureRequests(res *PolicyResult) {
	var ttft, itl, e2e []time.Duration
	var met, ttftMet, itlMet int
	classMet, classN := s.classCounters()
	for i := range s.records {
		rec := &s.records[i]
		if rec.waitedNoReplica {
			res.WaitedNoReplica++
		}
		a := &s.wl.arrivals[i]
		t, l := s.verdict(i)
		met, ttftMet, itlMet = met+b2i(t && l), ttftMet+b2i(t), itlMet+b2i(l)
		if a.class >= 0 {
			classN[a.model][a.class]++
			classMet[a.model][a.class] += b2i(t && l)
		}
		if rec.state != reqDone {
			continue
		}
		res.Finished++
		ttft, e2e = append(ttft, rec.ttft), append(e2e, rec.e2e)
		if rec.outputs >= 2 {
			itl = append(itl, rec.itl)
		}
	}
	n := float64(max(1, len(s.records)))
	res.Attainment, res.TTFTAttainment, res.ITLAttainment = float64(met)/n, float64(ttftMet)/n, float64(itlMet)/n
	res.TTFT, res.ITL, res.E2E = percentiles(ttft), percentiles(itl), percentiles(e2e)
	for mi, m := range s.models {
		for ci, c := range m.cfg.Classes {
			cr := ClassResult{Model: m.cfg.Name, Class: c.Name, Priority: c.Priority, Requests: classN[mi][ci],
				Attainment: 1, Target: c.AttainmentTarget}
			if classN[mi][ci] > 0 {
				cr.Attainment = float64(classMet[mi][ci]) / float64(classN[mi][ci])
			}
			cr.MeetsTarget = cr.Attainment >= cr.Target
			res.Classes = append(res.Classes, cr)
		}
	}
}

// classCounters returns zeroed counters shaped [model][class].
func (s *sim) classCounters() (met, n [][]int) {
	for _, m := range s.models {
		met = append(met, make([]int, len(m.cfg.Classes)))
		n = append(n, make([]int, len(m.cfg.Classes)))
	}
	return met, n
}

// modelAttainment is the share of one model's requests that met their SLO.
func (s *sim) modelAttainment(mi int) float64 {
	met, n := 0, 0
	for i := range s.records {
		if s.wl.arrivals[i].model != mi {
			continue
		}
		n++
		t, l := s.verdict(i)
		met += b2i(t && l)
	}
	if n == 0 {
		return 1
	}
	return float64(met) / float64(n)
}

// measureCost sums billed replica time per variant, within the period.
func (s *sim) measureCost(res *PolicyResult) {
	hours := make([][]float64, len(s.models))
	for mi, m := range s.models {
		hours[mi] = make([]float64, len(m.variants))
	}
	for _, r := range s.replicas {
		hours[r.v.model.idx][r.v.idx] += s.billedWithin(r, s.wl.End).Hours()
	}
	for mi, m := range s.models {
		for vi, v := range m.variants {
			c := hours[mi][vi] * v.cfg.Cost
			res.ReplicaHours = append(res.ReplicaHours, VariantHours{Model: m.cfg.Name, Variant: v.cfg.Name, Hours: hours[mi][vi], Cost: c})
			res.Cost += c
		}
	}
}

// billedWithin is how long replica r was billed before until.
func (s *sim) billedWithin(r *replica, until time.Duration) time.Duration {
	if !r.billed {
		return 0
	}
	end := r.billTo
	if end < 0 || end > until {
		end = until
	}
	return max(0, end-r.billFrom)
}

// measureActions counts scaling actions and direction reversals per variant.
func (s *sim) measureActions(res *PolicyResult) {
	lastDir := map[[2]int]int{}
	for _, d := range s.decisions {
		dir := 1
		if d.to < d.from {
			dir = -1
			res.ScaleDowns++
		} else {
			res.ScaleUps++
		}
		key := [2]int{d.model, d.variant}
		if prev, ok := lastDir[key]; ok && prev != dir {
			res.Reversals++
		}
		lastDir[key] = dir
	}
	res.ScaleActions = res.ScaleUps + res.ScaleDowns
}

// reactions measures, for each load step, the first scale-up decision of the step's
// model after it and the first replica of such a scale-up to serve, within the horizon
// (the detection horizon, the next step, or the end of the period, whichever is first),
// and when the load outgrew the capacity serving at the step (see needTime): caps are
// each model's per-replica rates by variant, load its realised arrival rate per bucket.
func (s *sim) reactions(caps [][]float64, load []LoadSeries) []Reaction {
	out := []Reaction{}
	bin := s.cfg.Resolution.D()
	for mi, steps := range s.wl.Steps {
		changes := s.servingChanges(mi)
		for si, at := range steps {
			until := s.stepHorizon(mi, si)
			r := Reaction{Model: s.models[mi].cfg.Name, StepSeconds: at.Seconds()}
			if need, ok := needTime(load[mi].Rate, bin, s.wl.End, at, until, capacityAt(changes, at, caps[mi])); ok {
				r.Need = ptr((need - at).Seconds())
			}
			if dec, ok := s.firstScaleUp(mi, at, until); ok {
				r.FirstScaleUp = ptr((dec - at).Seconds())
				if ready, ok := s.firstReady(mi, dec); ok {
					r.ReadyCapacity = ptr((ready - at).Seconds())
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// stepHorizon is when the answer to model mi's step si stops being looked for: the
// detection horizon after it, the next step, or the end of the period, whichever is first.
func (s *sim) stepHorizon(mi, si int) time.Duration {
	steps := s.wl.Steps[mi]
	until := min(steps[si]+s.cfg.Steps.Horizon.D(), s.wl.End)
	if si+1 < len(steps) {
		until = min(until, steps[si+1])
	}
	return until
}

// firstScaleUp is the first decision in [from, until] that raised a variant of model mi.
func (s *sim) firstScaleUp(mi int, from, until time.Duration) (time.Duration, bool) {
	for _, d := range s.decisions {
		if d.model == mi && d.to > d.from && d.at >= from && d.at <= until {
			return d.at, true
		}
	}
	return 0, false
}

// firstReady is when the first replica of model mi created at or after from began serving.
func (s *sim) firstReady(mi int, from time.Duration) (time.Duration, bool) {
	for _, e := range s.readyLog {
		if e.model == mi && e.created >= from {
			return e.at, true
		}
	}
	return 0, false
}

// percentiles sorts ds in place and summarises it.
func percentiles(ds []time.Duration) Percentiles { return latency.Summarise(ds) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ptr[T any](v T) *T { return &v }
