package decision

import (
	"testing"
	"time"
)

// TestProgressAgesOnlyWithoutMovement protects the expiry clock: it starts when a desired
// count is published, restarts whenever the target comes closer, and otherwise ages.
func TestProgressAgesOnlyWithoutMovement(t *testing.T) {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	var p Progress
	p = p.Observe(5, 2, at(0))
	if p.Since != at(0) {
		t.Fatalf("first observation since %v", p.Since)
	}
	if p = p.Observe(5, 2, at(30)); p.Since != at(0) {
		t.Errorf("no movement moved the clock to %v", p.Since)
	}
	if p = p.Observe(5, 3, at(60)); p.Since != at(60) {
		t.Errorf("movement toward 5 did not restart the clock: %v", p.Since)
	}
	if p = p.Observe(5, 1, at(90)); p.Since != at(60) {
		t.Errorf("movement away from 5 restarted the clock: %v", p.Since)
	}
	if p = p.Observe(6, 1, at(120)); p.Since != at(120) || p.Desired != 6 {
		t.Errorf("a new desired count is a new change: %+v", p)
	}
}
