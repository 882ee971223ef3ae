package simulator

import (
	"cmp"
	"container/heap"
	"time"
)

// timerKind orders timers that fire at the same instant: replicas become ready before
// they are scraped, scrapes land before decisions read them, and the series is recorded
// after the decision it shows.
type timerKind uint8

const (
	timerReady timerKind = iota
	timerDrainTimeout
	timerScrape
	timerDecision
	timerWake
	timerRecord
)

// timer is one scheduled event of the simulation.
type timer struct {
	at   time.Duration
	kind timerKind
	seq  uint64 // insertion order, the last tie-break, for determinism
	rep  *replica
	// model is the model a wake timer is for.
	model *modelRun
}

// timerQueue is a min-heap of timers ordered by time, kind, then insertion.
type timerQueue struct {
	items []timer
	seq   uint64
}

// Len, Less, Swap, Push and Pop implement heap.Interface; use add, peek and pop.
func (q *timerQueue) Len() int { return len(q.items) }
func (q *timerQueue) Less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.kind, b.kind), cmp.Compare(a.seq, b.seq)) < 0
}
func (q *timerQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *timerQueue) Push(x any)    { q.items = append(q.items, x.(timer)) }
func (q *timerQueue) Pop() any {
	n := len(q.items) - 1
	t := q.items[n]
	q.items = q.items[:n]
	return t
}

// add schedules a timer.
func (q *timerQueue) add(at time.Duration, kind timerKind, rep *replica) {
	q.seq++
	heap.Push(q, timer{at: at, kind: kind, seq: q.seq, rep: rep})
}

// addFor schedules a timer about a model.
func (q *timerQueue) addFor(at time.Duration, kind timerKind, m *modelRun) {
	q.seq++
	heap.Push(q, timer{at: at, kind: kind, seq: q.seq, model: m})
}

// peek returns the earliest timer without removing it.
func (q *timerQueue) peek() (timer, bool) {
	if len(q.items) == 0 {
		return timer{}, false
	}
	return q.items[0], true
}

// pop removes and returns the earliest timer.
func (q *timerQueue) pop() timer { return heap.Pop(q).(timer) }
