package forecast

import (
	"math"
	"testing"
	"time"
)

// FuzzForecast: whatever the windows, the forecast is finite and non-negative and the
// planned rate covers the expected one.
func FuzzForecast(f *testing.F) {
	f.Add(10.0, 12.0, 30.0, 45.0, 120.0, int64(30))
	f.Add(0.0, 0.0, 1e9, 0.0, 1.0, int64(1))
	f.Add(5.0, 1e-9, 5.0, 1e6, 1e-3, int64(3600))
	f.Add(1e300, 0.0, 1e300, 1e300, 60.0, int64(30))
	f.Fuzz(func(t *testing.T, r1, r2, r3, peak, horizon float64, stepSec int64) {
		if stepSec <= 0 || stepSec > 86400 || !(horizon >= 0 && horizon < 1e6) {
			return
		}
		for _, fc := range []Forecaster{DefaultHolt(), Naive{Z: 1}} {
			var s State
			for i, r := range []float64{r1, r2, r3, r2, r1} {
				s = fc.Update(s, Observation{Rate: r, Peak: peak}, t0.Add(time.Duration(int64(i)*stepSec)*time.Second))
			}
			fo := fc.At(s, time.Duration(horizon*float64(time.Second)))
			for _, v := range []float64{fo.Rate, fo.Headroom, fo.Planned} {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Fatalf("%s: forecast %+v", fc.Name(), fo)
				}
			}
			if fo.Planned+1e-9 < fo.Rate {
				t.Fatalf("%s: planned %v below rate %v", fc.Name(), fo.Planned, fo.Rate)
			}
		}
	})
}
