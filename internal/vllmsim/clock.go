package vllmsim

import "time"

// Clock is the wall clock the server paces the model with; tests may replace it.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives after d.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
