package simulator

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// measureBehind fills how long each model's arriving load exceeded what its serving
// replicas sustain at the scenario's calibrated rates caps (see behindTime).
func (s *sim) measureBehind(caps [][]float64, load []LoadSeries, res *PolicyResult) {
	bin := s.cfg.Resolution.D()
	res.BehindLoad = make([]BehindLoad, 0, len(s.models))
	res.BehindLoadSeconds = 0
	for mi, m := range s.models {
		d := behindTime(load[mi].Rate, bin, s.wl.End, caps[mi], s.servingChanges(mi))
		res.BehindLoad = append(res.BehindLoad, BehindLoad{Model: m.cfg.Name, Seconds: d.Seconds()})
		res.BehindLoadSeconds += d.Seconds()
	}
}

// capacityAt is the sustainable rate of the replicas serving at t (changes sorted by
// time; a replica that starts serving at t counts).
func capacityAt(changes []servingChange, t time.Duration, perReplica []float64) float64 {
	serving := make([]int, len(perReplica))
	for _, c := range changes {
		if c.at > t {
			break
		}
		serving[c.variant] += c.delta
	}
	c := 0.0
	for v, n := range serving {
		c += float64(n) * perReplica[v]
	}
	return c
}

// needTime is when, within [from, until], the arrivals first exceeded capacity c by more
// than behindNoise standard deviations of a Poisson count over a bin (the test of
// behindTime): the start of that bin, or from when it is the bin holding from. Only bins
// ending by until are tested, so that a next step's rise within the last bin is not
// taken for this one's need. ok is false when they never did. rate holds the arrival
// rate of consecutive bins of width bin, the last ending at end.
func needTime(rate []float64, bin, end, from, until time.Duration, c float64) (time.Duration, bool) {
	for b := int(from / bin); b < len(rate); b++ {
		t := time.Duration(b) * bin
		if t >= until {
			break
		}
		length := min(t+bin, end) - t
		if length <= 0 || t+length > until {
			break
		}
		if rate[b] > c+behindNoise*math.Sqrt(c/length.Seconds()) {
			return max(t, from), true
		}
	}
	return 0, false
}

// servingChange is a replica of a variant starting (+1) or ceasing (-1) to serve.
type servingChange struct {
	at      time.Duration
	variant int
	delta   int
}

// servingChanges lists, in time order, when model mi's replicas began serving and when
// the serving ones left the router (removed from the spec and draining).
func (s *sim) servingChanges(mi int) []servingChange {
	var out []servingChange
	for _, r := range s.replicas {
		if r.v.model.idx != mi || !r.served {
			continue
		}
		out = append(out, servingChange{at: r.readyAt, variant: r.v.idx, delta: 1})
		if r.servedTo >= 0 {
			out = append(out, servingChange{at: r.servedTo, variant: r.v.idx, delta: -1})
		}
	}
	slices.SortStableFunc(out, func(a, b servingChange) int { return cmp.Compare(a.at, b.at) })
	return out
}

// behindNoise is how many standard deviations of a Poisson count a bin's arrivals may
// exceed the capacity's by and still count as keeping up: a fleet sized exactly to its
// load sees more arrivals than its capacity in half the bins from chance alone, and
// about 2% of them beyond two standard deviations.
const behindNoise = 2.0

// behindTime is how long, within [0, end), the arrival rate exceeded the serving
// capacity by more than chance explains. rate holds the realised arrival rate
// (requests/s) of consecutive bins of width bin (the last may be shorter, ending at
// end); the capacity c at instant t is Σ serving replicas of variant v at t ×
// perReplica[v], from changes (sorted by time). Each bin's rate is compared with the
// capacity at every instant of the bin, so a replica that starts serving mid-bin counts
// from that instant; the load is behind while the bin's arrivals exceed the c·T a
// Poisson stream at rate c brings in the bin's length T by more than behindNoise
// standard deviations (√(c·T)), i.e. while rate > c + behindNoise·√(c/T).
func behindTime(rate []float64, bin, end time.Duration, perReplica []float64, changes []servingChange) time.Duration {
	serving := make([]int, len(perReplica))
	capacity := func() float64 {
		c := 0.0
		for v, n := range serving {
			c += float64(n) * perReplica[v]
		}
		return c
	}
	next := 0
	apply := func(t time.Duration) {
		for ; next < len(changes) && changes[next].at <= t; next++ {
			serving[changes[next].variant] += changes[next].delta
		}
	}
	var behind time.Duration
	for b, r := range rate {
		t := time.Duration(b) * bin
		stop := min(t+bin, end)
		for t < stop {
			apply(t)
			until := stop
			if next < len(changes) && changes[next].at < stop {
				until = changes[next].at
			}
			if c := capacity(); r > c+behindNoise*math.Sqrt(c/(stop-time.Duration(b)*bin).Seconds()) {
				behind += until - t
			}
			t = until
		}
	}
	return behind
}
