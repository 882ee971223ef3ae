package decision

import (
	"fmt"
	"time"
)

// After a failure of the signals (the metrics source down, a cycle past its deadline, no
// replica reporting), the windows the analysis reads are not whole: the peak over the last
// minute holds seconds of data, the success count of the retention period may miss the
// outage. Such data may show spare capacity or idleness that the whole window would not,
// so until the windows hold data again WVA may scale up, never down.

// recoveringFor reports how long the signals have been usable again after their last
// failure, and whether that is still shorter than window (the decision must wait).
func recoveringFor(s *Snapshot, window time.Duration) (time.Duration, bool) {
	if s.SignalsBackSince.IsZero() || window <= 0 {
		return 0, false
	}
	back := max(s.Now.Sub(s.SignalsBackSince), 0)
	return back, back < window
}

// holdScaleDownWhileRecovering keeps every variant the analysis would scale down where it
// was heading, until the peak window has passed since the signals came back.
func (p *plan) holdScaleDownWhileRecovering(s *Snapshot) {
	back, waiting := recoveringFor(s, s.PeakWindow)
	if !waiting || p.safetyNet {
		return
	}
	p.recovering = true
	why := fmt.Sprintf("hold: signals usable again for %s only after a failure; scale-down waits until the %s peak window holds data again",
		back.Round(time.Second), s.PeakWindow)
	for i := range p.variants {
		v := &p.variants[i]
		if v.desired < v.base {
			v.desired = v.base
			v.reason = why
		}
	}
}

// zeroWaitsForRecovery says why the zero policy may not apply yet, or "" when it may:
// the retention period must have passed since the signals came back.
func zeroWaitsForRecovery(s *Snapshot, retention time.Duration) string {
	back, waiting := recoveringFor(s, retention)
	if !waiting {
		return ""
	}
	return fmt.Sprintf("not applied: signals usable again for %s only after a failure; the %s retention period does not hold data yet",
		back.Round(time.Second), retention)
}
