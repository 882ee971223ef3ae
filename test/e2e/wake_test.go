package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/internal/gateway"
	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// Scale from zero end to end. A model with two variants sits at zero; the gateway holds
// the first request, WVA's fast path sees it in the gateway's queue and wakes the cheaper
// variant (never both), the replica loads, and the held request is answered, streamed.

// Variants of the scale-from-zero scenarios: the A100 is the cheaper per replica.
const (
	cheapVariant = "llama-a100"
	dearVariant  = "llama-h100"
	// wakeDecisionBound is the fast path's contract, one second, with a margin for a
	// loaded two-core machine running the other scenarios; the figures measured on their
	// own are in docs/scale-to-zero.md (make bench-wake).
	wakeDecisionBound = 3 * time.Second
)

// timeline is one wake-up, each step measured from the request's arrival at the gateway.
type timeline struct {
	// Decision is when WVA decided 0 → 1 (the time of its own log line).
	Decision time.Duration `json:"decisionSeconds"`
	// Scaled is when the Deployment's spec first showed a replica.
	Scaled time.Duration `json:"scaledSeconds"`
	// Running is when the new Pod was first seen Running (scheduled, container started).
	Running time.Duration `json:"runningSeconds"`
	// Ready is when the Pod was first seen Ready: Running plus the model loading delay.
	Ready time.Duration `json:"readySeconds"`
	// FirstToken is when the client read the first streamed token.
	FirstToken time.Duration `json:"firstTokenSeconds"`
	// Status is the answer's HTTP status.
	Status int `json:"status"`
}

// Loading is the model-loading delay: Running to Ready.
func (tl timeline) Loading() time.Duration { return tl.Ready - tl.Running }

func (tl timeline) String() string {
	return fmt.Sprintf("decision %.2fs, scaled %.2fs, pod running %.2fs, ready %.2fs (loading %.2fs), first token %.2fs, status %d",
		tl.Decision.Seconds(), tl.Scaled.Seconds(), tl.Running.Seconds(), tl.Ready.Seconds(), tl.Loading().Seconds(), tl.FirstToken.Seconds(), tl.Status)
}

// zeroModel creates the two variants with the scale-to-zero policy on (retention as
// given), optionally with the documented HPA (minReplicas 0) on each. Without HPAs they
// start at zero. With HPAs they start at one replica each and reach zero through the
// HPAs: an HPA scales a target up from zero only if it took it there itself (its
// ScaledToZero condition); a target created at zero is paused for it.
func zeroModel(t *testing.T, ns, retention string, withHPA bool) {
	t.Helper()
	configMaps(t, ns, "5s", "enable_scale_to_zero: true\nretention_period: "+retention+"\n")
	start := int32(0)
	if withHPA {
		start = 1
	}
	createDeployment(t, ns, cheapVariant, a100, start)
	createDeployment(t, ns, dearVariant, h100, start)
	createVA(t, ns, cheapVariant, "A100", "10.0")
	createVA(t, ns, dearVariant, "H100", "20.0")
	if withHPA {
		createHPA(t, ns, cheapVariant, 0, 5)
		createHPA(t, ns, dearVariant, 0, 5)
	}
}

// waitAsleep waits until WVA has decided the model at zero (both desired 0, so the fast
// path watches it), both Deployments are at zero with their Pods gone, and the gateway
// routes to no replica: only then does a request wait at zero.
func waitAsleep(t *testing.T, ns, url string, m *harness.Manager, timeout time.Duration) {
	t.Helper()
	eventually(t, "the model is at zero, WVA says so and the gateway has no replica left", timeout, func() error {
		for _, v := range []string{cheapVariant, dearVariant} {
			spec, _, err := replicas(t, ns, v)
			if err != nil || spec != 0 || desired(m, v) != 0 {
				return fmt.Errorf("%s: spec %d desired %v (%v)", v, spec, desired(m, v), err)
			}
			if pods := podsOf(t, ns, v); len(pods) != 0 {
				return fmt.Errorf("%s: %d Pod(s) not gone yet", v, len(pods))
			}
		}
		// A request sent while the gateway still routes to a replica being deleted never
		// waits at zero, and nothing would wake the model.
		if served, err := gatewayModels(url); err != nil || len(served) != 0 {
			return fmt.Errorf("the gateway still serves %v (%v)", served, err)
		}
		return nil
	})
}

// gatewayModels lists the models the gateway has a Ready replica of (its /v1/models).
func gatewayModels(url string) ([]string, error) {
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("decode /v1/models: %w", err)
	}
	ids := make([]string, 0, len(list.Data))
	for _, d := range list.Data {
		ids = append(ids, d.ID)
	}
	return ids, nil
}

// wakeOnce sends one streamed request to a model at zero and measures its wake-up. It
// fails the test if the dearer variant is ever asked for a replica, or the answer fails.
func wakeOnce(t *testing.T, ns, url string) timeline {
	t.Helper()
	arrival := time.Now()
	answer := make(chan streamResult, 1)
	go func() { answer <- streamOne(url, 2*time.Minute) }()
	var tl timeline
	var scaled, running, ready bool
	deadline := time.Now().Add(3 * time.Minute)
	for !ready {
		if time.Now().After(deadline) {
			select {
			case res := <-answer:
				t.Fatalf("the model did not wake within 3m: %s; the request ended: status %d, %d tokens, %v", tl, res.status, res.tokens, res.err)
			default:
				t.Fatalf("the model did not wake within 3m: %s; the request is still waiting", tl)
			}
		}
		if spec, _, err := replicas(t, ns, dearVariant); err == nil && spec != 0 {
			t.Fatalf("the dearer variant %s was woken too (spec %d): scale from zero must wake one variant", dearVariant, spec)
		}
		now := time.Since(arrival)
		if spec, _, err := replicas(t, ns, cheapVariant); err == nil && spec > 0 && !scaled {
			scaled, tl.Scaled = true, now
		}
		for _, p := range podsOf(t, ns, cheapVariant) {
			if p.Status.Phase == corev1.PodRunning && !running {
				running, tl.Running = true, now
			}
			if podReady(p) {
				ready, tl.Ready = true, now
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	res := <-answer
	if res.err != nil || res.status != http.StatusOK || res.tokens == 0 {
		t.Fatalf("the request held at zero was not answered: status %d, %d tokens, %v", res.status, res.tokens, res.err)
	}
	tl.FirstToken, tl.Status = res.firstToken.Sub(arrival), res.status
	at, err := wakeEventTime(t, ns, arrival)
	if err != nil {
		t.Fatalf("no event of WVA's 0 -> 1 decision for the wake-up: %v", err)
	}
	tl.Decision = at.Sub(arrival)
	return tl
}

// wakeEventTime is the time WVA stamped on its event for the cheaper variant's 0 -> 1
// decision at or after since (events.k8s.io eventTime, to the microsecond, from WVA's
// clock, which is this machine's).
func wakeEventTime(t *testing.T, ns string, since time.Time) (time.Time, error) {
	t.Helper()
	var first time.Time
	var seen []string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		evs, err := s.cs.EventsV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil //nolint:nilerr // retried until the timeout
		}
		seen = seen[:0]
		for _, e := range evs.Items {
			seen = append(seen, e.Regarding.Name+": "+e.Note)
			at := e.EventTime.Time
			if e.Regarding.Name != cheapVariant || !strings.Contains(e.Note, "Desired replicas 0 -> 1: scale-from-zero") || at.Before(since.Add(-time.Second)) {
				continue
			}
			if first.IsZero() || at.Before(first) {
				first = at
			}
		}
		return !first.IsZero(), nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("%w; events: %v", err, seen)
	}
	return first, nil
}

// podsOf lists a variant's Pods.
func podsOf(t *testing.T, ns, variant string) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	if err := s.client.List(context.Background(), &pods, client.InNamespace(ns), client.MatchingLabels{"app": variant}); err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// streamResult is one streamed request's outcome.
type streamResult struct {
	status     int
	retryAfter string
	tokens     int
	firstToken time.Time
	err        error
}

// streamOne sends one streamed completion through the gateway and reads it to the end.
func streamOne(url string, timeout time.Duration) streamResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"model": model, "prompt": "Wake up", "max_tokens": 16, "ignore_eos": true, "stream": true})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/completions", bytes.NewReader(body))
	if err != nil {
		return streamResult{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return streamResult{err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	r := streamResult{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return r
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") || line == "data: [DONE]" {
			continue
		}
		if strings.Contains(line, `"text":"`) && !strings.Contains(line, `"text":""`) {
			if r.tokens == 0 {
				r.firstToken = time.Now()
			}
			r.tokens++
		}
	}
	r.err = sc.Err()
	return r
}

// Through the HPA (minReplicas 0, HPAScaleToZero), with the queue read through
// Prometheus: the idle model goes to zero after the retention period; one request at zero
// wakes the cheaper variant and is answered; with no more traffic the model goes back to
// zero.
func TestScaleFromZeroThroughHPA(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	zeroModel(t, ns, "10s", true)
	url, _ := startGateway(t, ns)
	m := startManager(t, ns, s.prom.URL, true, "METRICS_PEAK_WINDOW="+idlePeakWindow.String())
	waitAsleep(t, ns, url, m, 3*time.Minute) // the idle model goes to zero through the HPAs

	tl := wakeOnce(t, ns, url)
	t.Logf("WAKE (HPA, Prometheus) %s", tl)
	if tl.Decision > wakeDecisionBound {
		t.Errorf("decision %.2fs after the request arrived; the fast path decides within 1s (bound here %s)", tl.Decision.Seconds(), wakeDecisionBound)
	}
	if ev := eventMessages(t, ns, cheapVariant); !containsText(ev, "Desired replicas 0 -> 1: scale-from-zero: 1 request(s) waiting") {
		t.Errorf("no DesiredReplicasChanged event naming the waiting request on %s: %v", cheapVariant, ev)
	}
	waitAsleep(t, ns, url, m, 3*time.Minute)
}

// Direct actuation, with the queue scraped from the gateway itself (pod-scrape mode): one
// request at zero wakes the cheaper variant and is answered; the model goes back to zero
// after the retention period; then a burst of 50 requests at zero against a queue bound
// of 20: every request gets an answer or a 503 with Retry-After, none hangs.
func TestScaleFromZeroDirect(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	zeroModel(t, ns, "10s", false)
	const bound = 20
	url, _ := startGatewayWith(t, ns, gatewayOptions(bound))
	m := startManager(t, ns, s.prom.URL, false, "ACTUATION_MODE=direct", "METRICS_SOURCE=pod-scrape",
		"GATEWAY_METRICS_URL="+url+"/metrics", "METRICS_PEAK_WINDOW="+idlePeakWindow.String())
	waitAsleep(t, ns, url, m, 2*time.Minute)

	tl := wakeOnce(t, ns, url)
	t.Logf("WAKE (direct, gateway scrape) %s", tl)
	if tl.Decision > wakeDecisionBound {
		t.Errorf("decision %.2fs after the request arrived; the fast path decides within 1s (bound here %s)", tl.Decision.Seconds(), wakeDecisionBound)
	}
	waitAsleep(t, ns, url, m, 3*time.Minute)

	results := burst(url, 50)
	answered, refused := 0, 0
	for i, r := range results {
		switch {
		case r.status == http.StatusOK && r.err == nil && r.tokens > 0:
			answered++
		case r.status == http.StatusServiceUnavailable && r.retryAfter != "":
			refused++
		default:
			t.Errorf("request %d: status %d, Retry-After %q, %d tokens, %v: want an answer or a 503 with Retry-After", i, r.status, r.retryAfter, r.tokens, r.err)
		}
	}
	t.Logf("BURST of 50 at zero, queue bound %d: %d answered, %d refused with Retry-After", bound, answered, refused)
	if answered < bound || answered+refused != 50 {
		t.Errorf("answered %d, refused %d: want at least the %d the queue holds answered and every request accounted for", answered, refused, bound)
	}
	if spec, _, _ := replicas(t, ns, dearVariant); spec != 0 {
		t.Errorf("the burst woke the dearer variant too (spec %d)", spec)
	}
}

// gatewayOptions bounds the gateway's queue per model and gives held requests two minutes.
func gatewayOptions(bound int) gateway.Options {
	return gateway.Options{MaxQueue: bound, QueueTimeout: 2 * time.Minute}
}

// eventMessages lists the messages of the events about an object, whichever API wrote them.
func eventMessages(t *testing.T, ns, object string) []string {
	t.Helper()
	var evs corev1.EventList
	if err := s.client.List(context.Background(), &evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs.Items {
		if e.InvolvedObject.Name == object {
			out = append(out, e.Message)
		}
	}
	return out
}

// burst sends n streamed requests at once and returns every outcome; each is bounded
// by a client timeout, so a hung request shows as an error, never as a hung test.
func burst(url string, n int) []streamResult {
	out := make([]streamResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = streamOne(url, 3*time.Minute) })
	}
	wg.Wait()
	return out
}

func containsText(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// A model whose requests wait at the gateway never goes to zero, though its replica served
// nothing during the retention period: here the replica is idle while the gateway's queue
// (a gateway of the namespace, scraped by the cluster Prometheus) holds two requests.
// When the queue empties, the model goes to zero: the queue was what kept it.
func TestNoScaleToZeroWhileRequestsWait(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	const retention = 10 * time.Second
	configMaps(t, ns, "5s", fmt.Sprintf("enable_scale_to_zero: true\nretention_period: %s\n", retention))
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	queue := startQueueGauge(t, ns)
	queue.Set(2)
	m := startManager(t, ns, s.prom.URL, false, "ACTUATION_MODE=direct", "METRICS_PEAK_WINDOW="+idlePeakWindow.String())
	eventually(t, "one Ready replica", 2*time.Minute, func() error {
		if _, ready, err := replicas(t, ns, name); err != nil || ready != 1 {
			return fmt.Errorf("ready %d (%v)", ready, err)
		}
		return nil
	})
	// Two retention periods of an idle replica, with requests waiting.
	consistently(t, "no scale to zero while requests wait at the gateway", 2*retention, func() error {
		if spec, _, err := replicas(t, ns, name); err == nil && spec == 0 {
			return fmt.Errorf("scaled to zero with 2 requests waiting; WVA log:\n%s", tailLines(m.Log(), 20))
		}
		return nil
	})
	queue.Set(0)
	eventually(t, "to zero once the queue is empty", 2*time.Minute, func() error {
		if spec, _, err := replicas(t, ns, name); err != nil || spec != 0 {
			return fmt.Errorf("spec %d (%v)", spec, err)
		}
		return nil
	})
}

// startQueueGauge serves the gateway's queue metric for the suite's model, as a gateway of
// the namespace would, and has the cluster Prometheus scrape it until the test ends.
func startQueueGauge(t *testing.T, ns string) prometheus.Gauge {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: gateway.QueueMetric, Help: "Requests waiting."}, []string{"target_model_name"})
	reg.MustRegister(g)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.mu.Lock()
	s.gateways[ns] = localenv.ScrapeTarget{Address: ln.Addr().String(), Labels: map[string]string{"namespace": ns}}
	s.mu.Unlock()
	if err := s.setGateways(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.mu.Lock()
		delete(s.gateways, ns)
		s.mu.Unlock()
		_ = s.setGateways()
	})
	return g.WithLabelValues(model)
}
