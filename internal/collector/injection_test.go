package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// hostileIDs are model IDs that would break out of a naive label matcher or regex.
var hostileIDs = []string{
	`a"b`,
	`back\slash`,
	`br{ace}s`,
	`x",model_name=~".*`,
	`y"} or vllm:num_requests_running{namespace="ns`,
	`evil.*`,
	`m|victim`,
}

func TestHostileModelIDsAreEscapedAndReadOnlyTheirOwnSeries(t *testing.T) {
	const ns = "inj"
	victim := startFakeServer(t, "victim", serverValues{KV: 0.99, Waiting: 99, Running: 99, Blocks: 9, BlockSize: 9, Requests: 1, PromptSum: 9, GenSum: 9})
	targets := []localenv.ScrapeTarget{fakeTarget(ns, "victim-0", victim)}
	// A second victim series in the same namespace whose name matches a hostile regex.
	evilX := startFakeServer(t, "evilX", serverValues{KV: 0.98, Waiting: 98, Running: 98, Blocks: 8, BlockSize: 8, Requests: 1, PromptSum: 8, GenSum: 8})
	targets = append(targets, fakeTarget(ns, "evilx-0", evilX))
	var models []Model
	want := map[string]ReplicaSignals{}
	for i, id := range hostileIDs {
		v := values(i)
		srv := startFakeServer(t, id, v)
		podName := fmt.Sprintf("hostile-%d", i)
		targets = append(targets, fakeTarget(ns, podName, srv))
		// Each hostile model's variant also lists the victims' Pods: only series with the
		// model's own model_name may be used even for a Pod the variant claims.
		models = append(models, Model{Namespace: ns, ModelID: id, Variants: []Variant{{
			Name: "v", Pods: []Pod{pod(podName, srv), pod("victim-0", victim), pod("evilx-0", evilX)},
		}}})
		want[id] = (&fleetPod{name: podName, v: v}).want()
	}
	prom := startPrometheus(t, localenv.PrometheusOptions{Targets: targets})
	if err := prom.WaitForTargets(context.Background(), len(targets)); err != nil {
		t.Fatal(err)
	}
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: prom.URL}, Windows{StaleAfter: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The batched selector itself, sent to Prometheus, matches exactly the hostile models:
	// not the victims whose names an unescaped regex would match.
	client, err := api.NewClient(api.Config{Address: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	sel := newSelectors(models)
	eventually(t, time.Minute, func() error {
		val, _, _, err := promv1.NewAPI(client).Query(context.Background(), "count by (model_name) (vllm:num_requests_running"+sel.series+")", time.Now())
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, s := range val.(model.Vector) {
			seen[string(s.Metric["model_name"])] = true
		}
		for name := range seen {
			if _, ok := want[name]; !ok {
				t.Fatalf("selector %s matched model %q", sel.series, name)
			}
		}
		if len(seen) != len(hostileIDs) {
			return fmt.Errorf("selector matched %d of %d models", len(seen), len(hostileIDs))
		}
		return nil
	})
	eventually(t, time.Minute, func() error {
		got, err := src.Collect(context.Background(), models, time.Now())
		if err != nil {
			return err
		}
		for _, ms := range got {
			reps := ms.Variants[0].Replicas
			if len(reps) != 1 {
				return fmt.Errorf("model %q: %d replicas %+v, want only its own", ms.ModelID, len(reps), reps)
			}
			w := want[ms.ModelID]
			w.SuccessKnown = false // no window requested
			if err := sameValues(reps[0], w); err != nil {
				return fmt.Errorf("model %q: %w", ms.ModelID, err)
			}
		}
		return nil
	})
}

func TestHostileNamespacesAndControlCharactersAreRejected(t *testing.T) {
	for _, m := range []Model{
		{Namespace: `ns",x="`, ModelID: "m"},
		{Namespace: `ns"}`, ModelID: "m"},
		{Namespace: "UPPER", ModelID: "m"},
		{Namespace: "ns", ModelID: "line\nbreak"},
		{Namespace: "ns", ModelID: "nul\x00"},
		{Namespace: "ns", ModelID: ""},
		{Namespace: "ns", ModelID: strings.Repeat("m", 300)},
		{Namespace: "ns", ModelID: "bad\xffutf8"},
	} {
		if err := validateModel(m); !errors.Is(err, ErrInvalidLabelValue) {
			t.Errorf("%q/%q accepted (err %v)", m.Namespace, m.ModelID, err)
		}
	}
	// A rejected model is reported as such and sends no query at all.
	counter := &queryCounter{}
	src, err := NewPrometheusSource(PrometheusOptions{BaseURL: "http://127.0.0.1:1", WrapTransport: counter.wrap}, Windows{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.Collect(context.Background(), []Model{{Namespace: `ns",x="`, ModelID: "m", Variants: []Variant{{Name: "v", Pods: []Pod{{Name: "p"}}}}}}, time.Now())
	if err != nil || counter.queries.Load() != 0 {
		t.Fatalf("err %v, %d queries", err, counter.queries.Load())
	}
	if h := got[0].Health; h.Usable || h.Reason != ReasonInvalidModel || got[0].Variants[0].Health.Reason != ReasonInvalidModel {
		t.Fatalf("health %+v", h)
	}
}

func TestQuotingKeepsValuesInsideTheirMatcher(t *testing.T) {
	cases := map[string]string{
		`plain`:     `"plain"`,
		`a"b`:       `"a\"b"`,
		`a\b`:       `"a\\b"`,
		`",x="`:     `"\",x=\""`,
		`{}`:        `"{}"`,
		`ünïcødé/m`: `"ünïcødé/m"`,
	}
	for in, want := range cases {
		if got := QuoteLabelValue(in); got != want {
			t.Errorf("QuoteLabelValue(%q) = %s, want %s", in, got, want)
		}
	}
	if got, want := QuoteRegexAlternation([]string{`a.b`, `c|d`, `e\f"`}), `"a\\.b|c\\|d|e\\\\f\""`; got != want {
		t.Errorf("QuoteRegexAlternation = %s, want %s", got, want)
	}
}
