package simulator

import (
	"fmt"
	"math"
	"time"
)

// oraclePolicy is the lower bound: it knows the load of every coming interval and its
// replicas start instantly (and cost nothing while draining), so in every interval it
// runs the cheapest set of whole replicas whose sustainable rates under the SLO cover the
// interval's arrival rate. No reactive policy with start-up delays meeting the SLO
// should cost less.
type oraclePolicy struct {
	name     string
	interval time.Duration
	plan     [][][]int // [interval][model][variant]
	traits   Traits
	// uncovered counts model-intervals whose load exceeds every variant at its maximum.
	uncovered int
}

// newOraclePolicy plans every interval from the scenario's future arrivals.
func newOraclePolicy(sc *Scenario, pc PolicyConfig) (*oraclePolicy, error) {
	caps, err := sc.Capacities()
	if err != nil {
		return nil, err
	}
	iv := policyInterval(sc, pc)
	n := int(sc.Workload.End/iv) + 1
	rates := make([][]float64, n) // [interval][model]
	for k := range rates {
		rates[k] = make([]float64, len(sc.Config.Models))
	}
	for _, a := range sc.Workload.arrivals {
		rates[min(int(a.at/iv), n-1)][a.model] += 1 / iv.Seconds()
	}
	p := &oraclePolicy{name: pc.Name, interval: iv, plan: make([][][]int, n)}
	for k := range n {
		p.plan[k] = make([][]int, len(sc.Config.Models))
		for mi := range sc.Config.Models {
			counts, covered := cheapestCover(rates[k][mi], caps[mi], &sc.Config.Models[mi])
			if !covered {
				p.uncovered++
			}
			p.plan[k][mi] = counts
		}
	}
	detail := "future load known per interval, instant start, cheapest whole replicas covering the load at their sustainable rate"
	if p.uncovered > 0 {
		detail += fmt.Sprintf("; %d interval(s) exceed every variant at its maxReplicas", p.uncovered)
	}
	p.traits = Traits{Interval: iv, Ideal: true, Type: PolicyOracle, Detail: detail}
	return p, nil
}

// Name labels the policy.
func (p *oraclePolicy) Name() string { return p.name }

// Traits says how to drive it.
func (p *oraclePolicy) Traits() Traits { return p.traits }

// Initial is the plan of the first interval.
func (p *oraclePolicy) Initial() Desired { return p.plan[0] }

// Decide returns the plan of the interval starting now.
func (p *oraclePolicy) Decide(v *View) (Desired, error) {
	return p.plan[min(int(v.Now/p.interval), len(p.plan)-1)], nil
}

// cheapestCover returns whole replica counts per variant, within each variant's bounds,
// whose summed sustainable rates reach rate at the lowest cost (exhaustive over counts,
// variants with no capacity get their minimum only). When even every variant at its
// maximum cannot cover the rate it returns those maxima and false.
func cheapestCover(rate float64, caps []float64, m *ModelConfig) ([]int, bool) {
	lo := make([]int, len(caps))
	hi := make([]int, len(caps))
	for i, v := range m.Variants {
		if v.MinReplicas != nil {
			lo[i] = *v.MinReplicas
		}
		hi[i] = lo[i]
		if caps[i] > 0 {
			hi[i] = max(lo[i], int(math.Ceil(rate/caps[i]-1e-9)))
			if v.MaxReplicas != nil {
				hi[i] = min(hi[i], *v.MaxReplicas)
			}
		}
	}
	best, bestCost := []int(nil), math.Inf(1)
	cur := append([]int(nil), lo...)
	var walk func(i int, covered, cost float64)
	walk = func(i int, covered, cost float64) {
		if cost >= bestCost {
			return
		}
		if i == len(caps) {
			if covered >= rate-1e-9 {
				best, bestCost = append([]int(nil), cur...), cost
			}
			return
		}
		for n := lo[i]; n <= hi[i]; n++ {
			cur[i] = n
			walk(i+1, covered+float64(n)*caps[i], cost+float64(n)*m.Variants[i].Cost)
			if covered+float64(n)*caps[i] >= rate-1e-9 {
				break // more of this variant only adds cost
			}
		}
		cur[i] = lo[i]
	}
	walk(0, 0, 0)
	if best == nil {
		return hi, false
	}
	return best, true
}
