package solve

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Variant is one variant as the solver sees it.
type Variant struct {
	// Name identifies the variant in reasons.
	Name string
	// Cost is the cost of one replica.
	Cost float64
	// Rate is the request rate one replica sustains within the targets, requests/s; zero
	// means the variant cannot meet them at all (it is never added).
	Rate float64
	// Current is the replica count the allocation starts from (a change in flight
	// counts as done).
	Current int
	// Floor is the fewest replicas the answer may leave (minimum bounds, the capacity
	// answer, a minimum of one replica for the model).
	Floor int
	// Max is the most replicas allowed; negative means unbounded.
	Max int
	// KeepRate, when positive and below Rate, is what one replica counts for when judging
	// a removal (the lowest recent rate), so that a removal at the edge of the need does
	// not come back when the rate moves by a few percent.
	KeepRate float64
}

// keepRate is what one replica counts for when judging a removal.
func (v Variant) keepRate() float64 {
	if v.KeepRate > 0 {
		return math.Min(v.Rate, v.KeepRate)
	}
	return v.Rate
}

// costPerRequest is the cost of one request per second of sustainable capacity.
func (v Variant) costPerRequest() float64 {
	if v.Rate <= 0 {
		return math.Inf(1)
	}
	return v.Cost / v.Rate
}

// headroom is how many replicas may be added above n.
func (v Variant) headroom(n int) int {
	if v.Max < 0 {
		return math.MaxInt32
	}
	return max(0, v.Max-n)
}

// Problem is one model's allocation question.
type Problem struct {
	// Variants are the model's variants.
	Variants []Variant
	// Demand is the rate to provision for now (the forecast plus headroom), requests/s.
	Demand float64
	// Keep is the rate capacity must still cover after a removal: the highest Demand
	// of the stabilisation period. Values below Demand count as Demand.
	Keep float64
	// CapacityFloor is a capacity the answer may not fall below, requests/s.
	CapacityFloor float64
}

// Result is the allocation.
type Result struct {
	// Counts are the replicas per variant, in the order of Problem.Variants.
	Counts []int
	// Capacity is the sustainable rate of the allocation, requests/s.
	Capacity float64
	// Cost is its cost.
	Cost float64
	// Short is the rate the allocation still cannot cover (no variant had room).
	Short float64
	// Reason says what was done and why, for a person.
	Reason string
}

// Solve answers the problem: first every variant is raised to its floor; if the
// capacity then falls short of the demand (or the capacity floor), the cheapest set of
// whole replicas that covers the shortfall is added; otherwise replicas are removed,
// most expensive per request first, while the rest, counted at each variant's keep
// rate, covers Keep and the capacity floor.
func Solve(p Problem) Result {
	n := len(p.Variants)
	counts := make([]int, n)
	capacity := 0.0
	for i, v := range p.Variants {
		counts[i] = max(v.Current, v.Floor)
		capacity += float64(counts[i]) * v.Rate
	}
	need := math.Max(p.Demand, p.CapacityFloor)
	keep := math.Max(math.Max(p.Keep, p.Demand), p.CapacityFloor)
	var why string
	switch {
	case capacity < need-tolerance:
		add, short := cheapestCover(p.Variants, counts, need-capacity)
		for i := range counts {
			counts[i] += add[i]
		}
		why = describe("add", p.Variants, add, fmt.Sprintf("capacity %s/s short of %s/s", num(capacity), num(need)))
		if short > tolerance {
			why += fmt.Sprintf("; %s/s still short (no variant has room)", num(short))
		}
	default:
		removed := removeSpare(p.Variants, counts, keep)
		if total(removed) > 0 {
			left := keepCapacity(p.Variants, counts)
			why = describe("remove", p.Variants, removed, fmt.Sprintf("the remaining %s/s still covers %s/s (the stabilisation period's highest planned rate and the capacity floor, at the lowest recent rate per replica)", num(left), num(keep)))
		} else {
			why = fmt.Sprintf("hold: capacity %s/s covers %s/s and no replica can go without falling below %s/s", num(capacity), num(need), num(keep))
			if at := keepCapacity(p.Variants, counts); at < capacity-tolerance {
				why += fmt.Sprintf(" at the lowest recent rate per replica (%s/s)", num(at))
			}
		}
	}
	res := Result{Counts: counts, Reason: why}
	for i, v := range p.Variants {
		res.Capacity += float64(counts[i]) * v.Rate
		res.Cost += float64(counts[i]) * v.Cost
	}
	res.Short = math.Max(0, need-res.Capacity)
	return res
}

// tolerance absorbs float noise when comparing rates.
const tolerance = 1e-9

// cheapestCover returns whole replicas to add per variant covering need: the variant
// cheapest per request first, up to its room, then the next. A cheaper cover could mix
// in a replica of a variant dearer per request for a small remainder, but behind a
// router that balances outstanding requests that replica takes about the same share of
// the load as the others, beyond what it sustains within the objectives; the
// remainder's rounding on the cheapest variant is headroom instead. It also returns
// what stays uncovered when no variant has room left.
func cheapestCover(vs []Variant, counts []int, need float64) ([]int, float64) {
	order := make([]int, 0, len(vs))
	for i, v := range vs {
		if v.Rate > 0 && v.headroom(counts[i]) > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(vs[a].costPerRequest(), vs[b].costPerRequest()), cmp.Compare(vs[a].Name, vs[b].Name))
	})
	add := make([]int, len(vs))
	left := need
	for _, i := range order {
		room := vs[i].headroom(counts[i])
		for add[i] < room && left > tolerance {
			add[i]++
			left -= vs[i].Rate
		}
	}
	return add, math.Max(0, left)
}

// keepCapacity is the sustainable rate of counts with each replica at its keep rate.
func keepCapacity(vs []Variant, counts []int) float64 {
	c := 0.0
	for i, v := range vs {
		c += float64(counts[i]) * v.keepRate()
	}
	return c
}

// removeSpare removes replicas, most expensive per request first (variants that cannot
// meet the targets first of all), while the remaining capacity covers keep and no
// variant goes below its floor; it changes counts and returns what it removed.
func removeSpare(vs []Variant, counts []int, keep float64) []int {
	capacity := keepCapacity(vs, counts)
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(vs[b].costPerRequest(), vs[a].costPerRequest()), cmp.Compare(vs[b].Cost, vs[a].Cost), cmp.Compare(vs[a].Name, vs[b].Name))
	})
	removed := make([]int, len(vs))
	for _, i := range order {
		for counts[i] > vs[i].Floor && capacity-vs[i].keepRate() >= keep-tolerance {
			counts[i]--
			removed[i]++
			capacity -= vs[i].keepRate()
		}
	}
	return removed
}

// describe phrases additions or removals with each variant's figures.
func describe(verb string, vs []Variant, delta []int, why string) string {
	var parts []string
	for i, d := range delta {
		if d == 0 {
			continue
		}
		v := vs[i]
		parts = append(parts, fmt.Sprintf("%d %s (%s/s each, cost %s per request/s)", d, v.Name, num(v.Rate), num(v.costPerRequest())))
	}
	if len(parts) == 0 {
		return "hold: " + why
	}
	return fmt.Sprintf("%s %s: %s", verb, strings.Join(parts, ", "), why)
}

func total(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// num prints a rate or cost with three significant digits.
func num(f float64) string {
	if math.IsInf(f, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.3g", f)
}
