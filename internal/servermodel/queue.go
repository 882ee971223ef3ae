package servermodel

// fifo is the waiting queue: FIFO for new requests, with push-front for preempted ones,
// as vLLM's scheduler prepends a preempted request to its waiting queue.
type fifo struct {
	buf  []*seq
	head int
}

func (q *fifo) len() int { return len(q.buf) - q.head }

func (q *fifo) front() *seq { return q.buf[q.head] }

func (q *fifo) pushBack(s *seq) { q.buf = append(q.buf, s) }

func (q *fifo) popFront() *seq {
	s := q.buf[q.head]
	q.buf[q.head] = nil
	q.head++
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	}
	return s
}

func (q *fifo) pushFront(s *seq) {
	if q.head > 0 {
		q.head--
		q.buf[q.head] = s
		return
	}
	q.buf = append(q.buf, nil)
	copy(q.buf[1:], q.buf)
	q.buf[0] = s
}

// remove deletes s wherever it is (used by aborts, which are rare) and reports whether
// it was queued.
func (q *fifo) remove(s *seq) bool {
	for i := q.head; i < len(q.buf); i++ {
		if q.buf[i] == s {
			copy(q.buf[i:], q.buf[i+1:])
			q.buf[len(q.buf)-1] = nil
			q.buf = q.buf[:len(q.buf)-1]
			return true
		}
	}
	return false
}
