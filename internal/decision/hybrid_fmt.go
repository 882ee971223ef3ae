package decision

import (
	"math"
	"time"
)

// durationOf converts seconds to a duration rounded for reading (ms precision).
func durationOf(s float64) time.Duration {
	if math.IsInf(s, 0) || math.IsNaN(s) || s > 1e6 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond / 10)
}

// ms prints seconds as milliseconds.
func ms(s float64) string {
	if math.IsInf(s, 1) {
		return "∞"
	}
	return fmtNum(math.Round(s*1e4)/10) + " ms"
}
