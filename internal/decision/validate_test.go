package decision

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestInvalidSnapshots checks that broken structure is an error, not a decision.
func TestInvalidSnapshots(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Snapshot)
		msg    string
	}{
		{"empty model", func(s *Snapshot) { s.ModelID = "" }, "empty model ID"},
		{"duplicate variant", func(s *Snapshot) { s.Variants = append(s.Variants, variant("a", 1, 1)) }, `duplicate variant "a"`},
		{"empty variant name", func(s *Snapshot) { s.Variants[0].Name = "" }, "empty name"},
		{"negative replicas", func(s *Snapshot) { s.Variants[0].CurrentReplicas = -1 }, "negative replica"},
		{"negative previous desired", func(s *Snapshot) { s.Variants[0].PreviousDesired = ptr(-1) }, "negative previous desired"},
		{"NaN cost", func(s *Snapshot) { s.Variants[0].Cost = math.NaN() }, "cost NaN"},
		{"min above max", func(s *Snapshot) { s.Variants[0].MinReplicas, s.Variants[0].MaxReplicas = ptr(3), ptr(2) }, "minReplicas 3 > maxReplicas 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := snap([]VariantState{variant("a", 5, 1)}, replica("a", 0, 0.5, 0))
			tc.mutate(&s)
			_, err := Decide(s)
			if !errors.Is(err, ErrInvalidSnapshot) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want ErrInvalidSnapshot with %q", err, tc.msg)
			}
		})
	}
}

// TestInvalidSamplesAreExcluded checks that bad values in one replica do not poison the
// others, and are counted.
func TestInvalidSamplesAreExcluded(t *testing.T) {
	bad := replica("a", 9, math.Inf(1), 0)
	d := mustDecide(t, snap([]VariantState{variant("a", 5, 2)}, replica("a", 0, 0.65, 0), replica("a", 1, 0.75, 0), bad, replica("gone", 0, 0.1, 0)))
	if d.Analysis.ExcludedReplicas != 2 || d.Analysis.SampledReplicas != 2 {
		t.Fatalf("figures %+v", d.Analysis)
	}
	check(t, d, map[string]want{"a": {3, ActionScaleUp, ""}})
}
