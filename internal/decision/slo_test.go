package decision

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// guideClasses are the serviceclass ConfigMap example of the configuration guide.
func guideClasses(shares ...float64) []ServiceClass {
	cs := []ServiceClass{
		{Name: "Premium", Priority: 1, ITL: 24 * time.Millisecond, TTFT: 500 * time.Millisecond},
		{Name: "Standard", Priority: 5, ITL: 50 * time.Millisecond, TTFT: time.Second},
		{Name: "Freemium", Priority: 10, ITL: 100 * time.Millisecond, TTFT: 2 * time.Second},
	}
	for i := range shares {
		cs[i].Share = shares[i]
	}
	return cs
}

func TestResolveTargets(t *testing.T) {
	cases := []struct {
		name     string
		classes  []ServiceClass
		want     []perfmodel.Target
		priority int
		says     string
	}{
		{"no class: the documented default", nil, []perfmodel.Target{{TTFT: 1, ITL: 0.05, Share: 1}}, 0, "default objectives"},
		{"shares unknown: the tightest class", guideClasses(), []perfmodel.Target{{TTFT: 0.5, ITL: 0.024, Share: 1}}, 1, "tightest class"},
		{"some shares unknown: still the tightest", guideClasses(0.2, 0.8), []perfmodel.Target{{TTFT: 0.5, ITL: 0.024, Share: 1}}, 1, "shares unknown"},
		{"tightest per objective, from different classes", []ServiceClass{
			{Name: "fast-start", Priority: 3, TTFT: 200 * time.Millisecond, ITL: 80 * time.Millisecond},
			{Name: "fast-stream", Priority: 2, TTFT: 3 * time.Second, ITL: 20 * time.Millisecond},
		}, []perfmodel.Target{{TTFT: 0.2, ITL: 0.02, Share: 1}}, 2, "TTFT 200ms from fast-start, ITL 20ms from fast-stream"},
		{"shares known: each class with traffic", guideClasses(0.1, 0.6, 0.3), []perfmodel.Target{
			{TTFT: 2, ITL: 0.1, Share: 0.3}, {TTFT: 0.5, ITL: 0.024, Share: 0.1}, {TTFT: 1, ITL: 0.05, Share: 0.6},
		}, 1, "each class with traffic"},
		{"a class with almost no traffic does not constrain", guideClasses(0.005, 0.695, 0.3), []perfmodel.Target{
			{TTFT: 2, ITL: 0.1, Share: 0.3}, {TTFT: 1, ITL: 0.05, Share: 0.695},
		}, 1, "Standard 70%"},
		{"shares that do not sum to one: tightest", guideClasses(0.5, 0.5, 0.5), []perfmodel.Target{{TTFT: 0.5, ITL: 0.024, Share: 1}}, 1, "tightest"},
		{"invalid objectives are skipped", []ServiceClass{{Name: "broken", Priority: 1}, {Name: "ok", Priority: 4, TTFT: time.Second, ITL: 40 * time.Millisecond}},
			[]perfmodel.Target{{TTFT: 1, ITL: 0.04, Share: 1}}, 4, "from ok"},
	}
	for _, c := range cases {
		got, prio, why := resolveTargets(c.classes)
		if len(got) != len(c.want) || prio != c.priority || !strings.Contains(why, c.says) {
			t.Errorf("%s: %+v priority %d %q; want %+v priority %d, reason containing %q", c.name, got, prio, why, c.want, c.priority, c.says)
			continue
		}
		for i := range got {
			if !within(got[i].TTFT, c.want[i].TTFT, 1e-9) || !within(got[i].ITL, c.want[i].ITL, 1e-9) || !within(got[i].Share, c.want[i].Share, 1e-9) {
				t.Errorf("%s: target %d %+v, want %+v", c.name, i, got[i], c.want[i])
			}
		}
	}
}
