package decision

import "time"

// Progress follows one variant's change in flight across cycles, for
// VariantState.InFlightSince. The engine and the simulator keep one per variant: Observe
// it with the desired count last published and the target's current replicas every
// cycle, before deciding, and again after publishing a new desired count.
type Progress struct {
	// Desired is the desired count being followed.
	Desired int
	// Current is the target's replicas when the change was published or last moved.
	Current int
	// Since is when the change was published or the target last moved toward it; zero
	// for a Progress never observed.
	Since time.Time
}

// Observe returns the progress after seeing desired published and the target at current
// at now. A new desired count starts a new change; a target that came closer to it moves
// Since to now; otherwise nothing changes, so Since ages until the change expires.
func (p Progress) Observe(desired, current int, now time.Time) Progress {
	if p.Since.IsZero() || p.Desired != desired || distance(desired, current) < distance(desired, p.Current) {
		return Progress{Desired: desired, Current: current, Since: now}
	}
	return p
}

// distance is |a - b|.
func distance(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}
