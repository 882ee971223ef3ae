package simulator

import "time"

// seriesResult assembles the policy's time series: replica counts recorded at each
// resolution boundary, per-bucket latency of the requests arriving in the bucket, and
// the cost billed so far.
func (s *sim) seriesResult() Series {
	res := s.cfg.Resolution.D()
	out := Series{}
	for _, p := range s.series {
		out.TimesSeconds = append(out.TimesSeconds, p.at.Seconds())
	}
	for mi, m := range s.models {
		for vi, v := range m.variants {
			vs := VariantSeries{Model: m.cfg.Name, Variant: v.cfg.Name}
			for _, p := range s.series {
				vs.Spec = append(vs.Spec, p.spec[mi][vi])
				vs.Ready = append(vs.Ready, p.ready[mi][vi])
			}
			out.Replicas = append(out.Replicas, vs)
		}
	}
	out.TTFTP95, out.ITLP95, out.Attainment = s.latencyBuckets(len(s.series), res, -1)
	if len(s.models) > 1 {
		for mi, m := range s.models {
			ms := ModelSeries{Model: m.cfg.Name}
			ms.TTFTP95, ms.ITLP95, ms.Attainment = s.latencyBuckets(len(s.series), res, mi)
			out.Models = append(out.Models, ms)
		}
	}
	for _, p := range s.series {
		cost := 0.0
		for _, r := range s.replicas {
			cost += s.billedWithin(r, p.at).Hours() * r.v.cfg.Cost
		}
		out.CumulativeCost = append(out.CumulativeCost, cost)
	}
	return out
}

// latencyBuckets groups the requests of model mi (every model when negative) by arrival
// bucket and returns each bucket's p95 TTFT, p95 ITL and attainment (nil for buckets
// without requests).
func (s *sim) latencyBuckets(n int, res time.Duration, mi int) (ttft, itl, att []*float64) {
	ttfts := make([][]time.Duration, n)
	itls := make([][]time.Duration, n)
	met := make([]int, n)
	count := make([]int, n)
	for i := range s.records {
		b := min(int(s.wl.arrivals[i].at/res), n-1)
		if b < 0 || (mi >= 0 && s.wl.arrivals[i].model != mi) {
			continue
		}
		count[b]++
		t, l := s.verdict(i)
		met[b] += b2i(t && l)
		rec := &s.records[i]
		if rec.state == reqDone {
			ttfts[b] = append(ttfts[b], rec.ttft)
			if rec.outputs >= 2 {
				itls[b] = append(itls[b], rec.itl)
			}
		}
	}
	for b := range n {
		ttft = append(ttft, p95(ttfts[b]))
		itl = append(itl, p95(itls[b]))
		if count[b] == 0 {
			att = append(att, nil)
		} else {
			att = append(att, ptr(float64(met[b])/float64(count[b])))
		}
	}
	return ttft, itl, att
}

// p95 is the 95th percentile in seconds, nil for no data.
func p95(ds []time.Duration) *float64 {
	if len(ds) == 0 {
		return nil
	}
	return ptr(percentiles(ds).P95)
}
