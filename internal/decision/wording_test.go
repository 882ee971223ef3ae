package decision

import (
	"strings"
	"testing"
)

// TestV1AndV2ShareReasonWording runs one situation through both saturation analysers and
// checks that where they apply the same rule, their reasons say it in the same words (the
// ranking differs: v1 by cost, v2 by cost per token, and the reasons say which).
func TestV1AndV2ShareReasonWording(t *testing.T) {
	hot := func(v string, n int) []ReplicaSignals {
		var out []ReplicaSignals
		for i := range n {
			out = append(out, replica(v, i, 0.9, 0))
		}
		return out
	}
	at := func(v string, n int, kv float64) []ReplicaSignals {
		var out []ReplicaSignals
		for i := range n {
			out = append(out, replica(v, i, kv, 0))
		}
		return out
	}
	cases := []struct {
		name    string
		snap    func() Snapshot
		variant string   // "" checks the model's reason
		phrases []string // every one in both versions' reason
	}{
		{"a variant at its max is passed over for scale-up", func() Snapshot {
			cheap := variant("cheap", 5, 2)
			cheap.MaxReplicas = ptr(2)
			return snap([]VariantState{cheap, variant("dear", 20, 1)}, append(hot("cheap", 2), hot("dear", 1)...)...)
		}, "cheap", []string{"hold: at maxReplicas 2; scale-up needed (", ") goes elsewhere"}},
		{"the variant a scale-up passes over names the one preferred", func() Snapshot {
			return snap([]VariantState{variant("cheap", 5, 2), variant("dear", 20, 1)}, append(hot("cheap", 2), hot("dear", 1)...)...)
		}, "dear", []string{"hold: scale-up (", ") goes to preferred variant cheap"}},
		{"the variant a scale-down takes from", func() Snapshot {
			return snap([]VariantState{variant("cheap", 5, 2), variant("dear", 20, 2)}, append(at("cheap", 2, 0.35), at("dear", 2, 0.35)...)...)
		}, "dear", []string{"scale-down: ", "; -1 on ", " variant dear (cost 20.0"}},
		{"the variant a scale-down passes over names the one taken from", func() Snapshot {
			return snap([]VariantState{variant("cheap", 5, 2), variant("dear", 20, 2)}, append(at("cheap", 2, 0.35), at("dear", 2, 0.35)...)...)
		}, "cheap", []string{"hold: scale-down (", ") taken from ", " variant dear"}},
		{"a variant at its floor", func() Snapshot {
			v := variant("a", 5, 2)
			v.MinReplicas = ptr(2)
			return snap([]VariantState{v}, at("a", 2, 0.05)...)
		}, "a", []string{"hold: at minReplicas 2; scale-down safe ("}},
		{"no variant can take a scale-up", func() Snapshot {
			v := variant("a", 5, 1)
			v.MaxReplicas = ptr(1)
			return snap([]VariantState{v}, hot("a", 1)...)
		}, "", []string{"hold: scale-up needed (", ") but every variant has "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, version := range []SaturationVersion{SaturationV1, SaturationV2} {
				s := tc.snap()
				s.Saturation.Version = version
				d := mustDecide(t, s)
				reason := d.Reason
				if tc.variant != "" {
					reason = variantByName(t, d, tc.variant).Reason
				}
				for _, p := range tc.phrases {
					if !strings.Contains(reason, p) {
						t.Errorf("%s: reason %q does not say %q", version, reason, p)
					}
				}
			}
		})
	}
}
