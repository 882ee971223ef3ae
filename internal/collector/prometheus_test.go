package collector

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// fleetPod is one fake model server standing for a Pod.
type fleetPod struct {
	ns, name, model string
	v               serverValues
	srv             *fakeServer
}

// fleet is several models in several namespaces, with decoys that must never be read:
// a Pod of a requested model that belongs to no variant, a Pod of a model nobody asked
// for, and the same Pod name in two namespaces.
type fleet struct {
	pods   map[string]*fleetPod // by ns/name
	models []Model
}

func values(i int) serverValues {
	return serverValues{
		KV: 0.05 * float64(i+1), Waiting: float64(i), Running: float64(10 + i),
		Blocks: int64(1000 * (i + 1)), BlockSize: 16,
		PromptSum: float64(100 * (i + 1) * 4), GenSum: float64(50 * (i + 1) * 4), Requests: 4,
		Success: float64(7 + i),
		TTFT:    0.25 * float64(i+1), ITL: 0.03125 * float64(i+1),
	}
}

func newFleet(t testing.TB) *fleet {
	f := &fleet{pods: map[string]*fleetPod{}}
	add := func(ns, name, model string, mutate func(*serverValues)) *fleetPod {
		v := values(len(f.pods))
		if mutate != nil {
			mutate(&v)
		}
		p := &fleetPod{ns: ns, name: name, model: model, v: v, srv: startFakeServer(t, model, v)}
		f.pods[ns+"/"+name] = p
		return p
	}
	a0 := add("ns-a", "llama-h100-0", "meta/llama-3.1-8b", nil)
	a1 := add("ns-a", "llama-h100-1", "meta/llama-3.1-8b", nil)
	a2 := add("ns-a", "llama-a100-0", "meta/llama-3.1-8b", func(v *serverValues) { v.OldNames = true })
	g0 := add("ns-a", "granite-0", "ibm/granite-3.3-8b", func(v *serverValues) { v.CacheInfoWithoutModelName = true })
	add("ns-a", "decoy-0", "meta/llama-3.1-8b", nil) // same model, no variant owns it
	b0 := add("ns-b", "p-0", "meta/llama-3.1-8b", nil)
	c0 := add("ns-c", "p-0", "mistral/7b", nil) // same Pod name as in ns-b
	c1 := add("ns-c", "mistral-1", "mistral/7b", nil)
	add("ns-c", "other-0", "other/model", nil) // a model nobody asked for
	variant := func(name string, ps ...*fleetPod) Variant {
		v := Variant{Name: name, Target: name}
		for _, p := range ps {
			v.Pods = append(v.Pods, pod(p.name, p.srv))
		}
		return v
	}
	f.models = []Model{
		{Namespace: "ns-a", ModelID: "meta/llama-3.1-8b", SuccessWindow: 15 * time.Second, Variants: []Variant{variant("llama-h100", a0, a1), variant("llama-a100", a2)}},
		{Namespace: "ns-a", ModelID: "ibm/granite-3.3-8b", SuccessWindow: 15 * time.Second, Variants: []Variant{variant("granite", g0)}},
		{Namespace: "ns-b", ModelID: "meta/llama-3.1-8b", SuccessWindow: 15 * time.Second, Variants: []Variant{variant("llama", b0)}},
		{Namespace: "ns-c", ModelID: "mistral/7b", SuccessWindow: 15 * time.Second, Variants: []Variant{variant("mistral", c0, c1)}},
	}
	return f
}

func (f *fleet) targets() []localenv.ScrapeTarget {
	var ts []localenv.ScrapeTarget
	for _, p := range f.pods {
		ts = append(ts, fakeTarget(p.ns, p.name, p.srv))
	}
	return ts
}

// want is the replica signals a fleet Pod must produce with static values.
func (p *fleetPod) want() ReplicaSignals {
	return ReplicaSignals{
		Pod: p.name, KvCacheUsage: p.v.KV, Waiting: p.v.Waiting, Running: p.v.Running,
		NumGPUBlocks: p.v.Blocks, BlockSize: p.v.BlockSize,
		AvgInputTokens: p.v.PromptSum / float64(p.v.Requests), AvgOutputTokens: p.v.GenSum / float64(p.v.Requests),
		AvgTTFTSeconds: p.v.TTFT, AvgITLSeconds: p.v.ITL, LatencyKnown: true,
		SuccessCount: 0, SuccessKnown: true,
	}
}

// checkFleet returns nil when every requested Pod has exactly its values, in its variant,
// with nothing else listed.
func checkFleet(f *fleet, got []ModelSignals) error {
	if len(got) != len(f.models) {
		return fmt.Errorf("%d model results, want %d", len(got), len(f.models))
	}
	for i, m := range f.models {
		ms := got[i]
		if ms.Namespace != m.Namespace || ms.ModelID != m.ModelID {
			return fmt.Errorf("result %d is %s/%s, want %s/%s", i, ms.Namespace, ms.ModelID, m.Namespace, m.ModelID)
		}
		if !ms.Health.Usable || ms.Health.Reported != ms.Health.Pods || ms.SuccessWindow != 15*time.Second {
			return fmt.Errorf("%s/%s: health %+v, success window %s", m.Namespace, m.ModelID, ms.Health, ms.SuccessWindow)
		}
		for j, v := range m.Variants {
			if n := len(ms.Variants[j].Replicas); n != len(v.Pods) {
				return fmt.Errorf("%s/%s variant %s: %d replicas, want %d", m.Namespace, m.ModelID, v.Name, n, len(v.Pods))
			}
			for _, p := range v.Pods {
				r, err := replicaOf(ms, v.Name, p.Name)
				if err != nil {
					return err
				}
				if err := sameValues(r, f.pods[m.Namespace+"/"+p.Name].want()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func TestPrometheusSourceSplitsBatchedAnswersByModelVariantAndPod(t *testing.T) {
	f := newFleet(t)
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: f.targets()})
	if err := prom.WaitForTargets(context.Background(), len(f.pods)); err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{}
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL, WrapTransport: counter.wrap, Timeout: 5 * time.Second, Retries: 1},
		Windows{StaleAfter: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("exact per-pod values mapped to variants", func(t *testing.T) {
		eventually(t, time.Minute, func() error {
			got, err := src.Collect(ctx, f.models, time.Now())
			if err != nil {
				return err
			}
			return checkFleet(f, got)
		})
	})

	t.Run("constant number of queries per cycle", func(t *testing.T) {
		perCycle := func(models []Model) int64 {
			before := counter.queries.Load()
			if _, err := src.Collect(ctx, models, time.Now()); err != nil {
				t.Fatal(err)
			}
			return counter.queries.Load() - before
		}
		one, all := perCycle(f.models[:1]), perCycle(f.models)
		if one != all || all != 11 {
			t.Fatalf("queries per cycle: %d for 1 model, %d for %d models; want 11 for both (9 + 2 for the success window)", one, all, len(f.models))
		}
	})

	t.Run("a success window Prometheus does not hold yet is shortened", func(t *testing.T) {
		m := f.models[0]
		m.SuccessWindow = time.Hour // Prometheus has run for seconds, not an hour
		got, err := src.Collect(ctx, []Model{m}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if w := got[0].SuccessWindow; w >= 10*time.Minute {
			t.Fatalf("success window %s, want at most the minutes Prometheus holds, not the hour asked for", w)
		}
	})

	t.Run("peak over the window", func(t *testing.T) {
		p := f.pods["ns-a/llama-h100-0"]
		high := p.v
		high.KV, high.Waiting = 0.95, 42
		p.srv.set(high)
		eventually(t, 30*time.Second, func() error {
			got, err := src.Collect(ctx, f.models, time.Now())
			if err != nil {
				return err
			}
			r, err := replicaOf(got[0], "llama-h100", p.name)
			if err != nil || r.KvCacheUsage != 0.95 || r.Waiting != 42 {
				return fmt.Errorf("peak not seen yet: %+v %v", r, err)
			}
			return nil
		})
		p.srv.set(p.v)
		lowered := time.Now()
		eventually(t, 30*time.Second, func() error {
			got, err := src.Collect(ctx, f.models, time.Now())
			if err != nil {
				return err
			}
			r, err := replicaOf(got[0], "llama-h100", p.name)
			if err != nil {
				return err
			}
			if !r.SampleTime.After(lowered.Add(time.Second)) {
				return fmt.Errorf("no sample after the value was lowered yet (newest %s)", r.SampleTime)
			}
			if r.KvCacheUsage != 0.95 || r.Waiting != 42 {
				t.Fatalf("peak over the last minute lost after the value dropped: %+v", r)
			}
			return nil
		})
	})

	t.Run("success counts that move, and a replica without the counter", func(t *testing.T) {
		busy := f.pods["ns-a/llama-h100-0"]
		stop := make(chan struct{})
		moved := make(chan struct{})
		go func() { // one successful request every 250 ms while the subtest runs
			defer close(moved)
			v := busy.v
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					v.Success++
					busy.srv.set(v)
				}
			}
		}()
		defer func() { close(stop); <-moved }()
		eventually(t, time.Minute, func() error {
			got, err := src.Collect(ctx, f.models, time.Now())
			if err != nil {
				return err
			}
			m := got[0]
			if m.SuccessWindow != 15*time.Second {
				return fmt.Errorf("success window %s, want 15s", m.SuccessWindow)
			}
			r, err := replicaOf(m, "llama-h100", busy.name)
			if err != nil {
				return err
			}
			if !r.SuccessKnown || r.SuccessCount < 20 {
				return fmt.Errorf("busy replica: %v successes over 15s (known %v), want about 60 (4 per second)", r.SuccessCount, r.SuccessKnown)
			}
			for _, p := range [][2]string{{"llama-h100", "llama-h100-1"}, {"llama-a100", "llama-a100-0"}} {
				if o, err := replicaOf(m, p[0], p[1]); err != nil || !o.SuccessKnown || o.SuccessCount != 0 {
					return fmt.Errorf("idle replica %s: %+v %v, want a known 0", p[1], o, err)
				}
			}
			if math.Abs(m.ModelSuccesses-r.SuccessCount) > 1e-6*r.SuccessCount {
				return fmt.Errorf("model successes %v, want the busy replica's %v (every other series is flat)", m.ModelSuccesses, r.SuccessCount)
			}
			return nil
		})

		silent := f.pods["ns-a/granite-0"]
		sv := silent.v
		sv.NoSuccessCounter = true
		silent.srv.set(sv)
		eventually(t, time.Minute, func() error {
			got, err := src.Collect(ctx, f.models, time.Now())
			if err != nil {
				return err
			}
			g := got[1]
			r, err := replicaOf(g, "granite", silent.name)
			if err != nil {
				return err
			}
			if r.SuccessKnown || g.SuccessWindow != 0 {
				return fmt.Errorf("granite without the counter: window %s, replica count %v known %v; want an unknown window", g.SuccessWindow, r.SuccessCount, r.SuccessKnown)
			}
			if !g.Health.Usable || got[0].SuccessWindow != 15*time.Second {
				return fmt.Errorf("granite health %+v, llama window %s: only the count is unknown, and only for granite", g.Health, got[0].SuccessWindow)
			}
			return nil
		})
	})

	t.Run("a replica that stops reporting is stale, never zero", func(t *testing.T) {
		stopped := f.pods["ns-c/mistral-1"]
		stopped.srv.stop()
		eventually(t, 30*time.Second, func() error {
			got, err := src.Collect(ctx, f.models, time.Now())
			if err != nil {
				return err
			}
			v := got[3].Variants[0]
			if v.Health.Stale != 1 || v.Health.Reported != 1 || !v.Health.Usable {
				return fmt.Errorf("variant health %+v", v.Health)
			}
			for _, r := range v.Replicas {
				if r.Pod == stopped.name {
					return fmt.Errorf("stopped replica still listed: %+v", r)
				}
			}
			return nil
		})
		f.pods["ns-c/p-0"].srv.stop()
		eventually(t, 30*time.Second, func() error {
			got, err := src.Collect(ctx, f.models, time.Now())
			if err != nil {
				return err
			}
			h := got[3].Health
			if h.Usable || h.Reason != ReasonMetricsStale || len(got[3].Variants[0].Replicas) != 0 {
				return fmt.Errorf("model health %+v", h)
			}
			if !got[0].Health.Usable {
				return fmt.Errorf("another model lost its signals: %+v", got[0].Health)
			}
			return nil
		})
	})

	t.Run("Prometheus stopped gives PrometheusError, not zeros", func(t *testing.T) {
		prom.Stop()
		got, err := src.Collect(ctx, f.models, time.Now())
		if err == nil {
			t.Fatal("no error from a stopped Prometheus")
		}
		for _, ms := range got {
			if ms.Health.Usable || ms.Health.Reason != ReasonPrometheusError {
				t.Errorf("%s/%s: health %+v, want PrometheusError", ms.Namespace, ms.ModelID, ms.Health)
			}
			for _, v := range ms.Variants {
				if len(v.Replicas) != 0 || v.Health.Usable {
					t.Errorf("%s/%s variant %s: replicas %v health %+v", ms.Namespace, ms.ModelID, v.Name, v.Replicas, v.Health)
				}
			}
		}
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error does not say why: %v", err)
		}
	})
}
