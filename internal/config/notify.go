package config

import "time"

// Changes returns a channel that receives a signal whenever the dynamic configuration in
// force changes, so that the engine can re-decide at once instead of waiting for its next
// tick. Signals coalesce (capacity one): read Current after receiving. Call cancel to stop.
func (s *Store) Changes() (<-chan struct{}, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	ch := make(chan struct{}, 1)
	s.changes[id] = ch
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.changes, id)
	}
}

// IntervalChanges returns a channel that receives the new optimisation interval whenever it
// changes, so the engine can reset its ticker for the next cycle. Only the latest value is
// kept (capacity one). Call cancel to stop.
func (s *Store) IntervalChanges() (<-chan time.Duration, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	ch := make(chan time.Duration, 1)
	s.intervals[id] = ch
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.intervals, id)
	}
}

// notify wakes subscribers without ever blocking; the caller holds the lock, so sends are
// ordered and a full buffer can only hold an older value, which is replaced.
func (s *Store) notify(intervalChanged bool) {
	for _, ch := range s.changes {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	if !intervalChanged {
		return
	}
	for _, ch := range s.intervals {
		select {
		case <-ch:
		default:
		}
		ch <- s.cfg.Dynamic.OptimizationInterval
	}
}
