package servermodel

import (
	"slices"
	"testing"
)

func TestTokenBucketsMatchVLLM(t *testing.T) {
	got := TokenBuckets(8192)
	want := []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000}
	if !slices.Equal(got, want) {
		t.Errorf("TokenBuckets(8192) = %v, want %v", got, want)
	}
}

func TestHistogramLessOrEqual(t *testing.T) {
	h := NewHistogram([]float64{1, 2})
	for _, v := range []float64{0.5, 1, 1.5, 2, 3} {
		h.Observe(v)
	}
	if !slices.Equal(h.Counts, []uint64{2, 2, 1}) {
		t.Errorf("counts %v, want [2 2 1]", h.Counts)
	}
	c := h.Cumulative()
	if c[1] != 2 || c[2] != 4 || h.Count != 5 || h.Sum != 8 {
		t.Errorf("cumulative %v count %d sum %g", c, h.Count, h.Sum)
	}
	clone := h.Clone()
	h.Observe(0)
	if clone.Count != 5 || clone.Counts[0] != 2 {
		t.Error("clone shares state with the original")
	}
}
