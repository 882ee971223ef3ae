package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

// upstream is a model server that answers after release is closed, naming itself.
func upstream(t *testing.T, name string, release <-chan struct{}) int32 {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	return int32(p)
}

func modelPod(name string, port int32, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(name)},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "vllm", Args: []string{"--model", "m"},
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func post(url string) (int, string) {
	resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(`{"model":"m","prompt":"hi"}`))
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A request for a model with no Ready replica waits in the queue (and the queue metric
// shows it) until a replica becomes Ready; then requests go to the least loaded replica.
func TestGatewayQueuesUntilReadyAndPicksLeastLoaded(t *testing.T) {
	release := make(chan struct{})
	pa, pb := upstream(t, "a", release), upstream(t, "b", release)
	a, b := modelPod("a", pa, false), modelPod("b", pb, false)
	cs := fake.NewClientset(a, b)
	g, err := New(Options{Client: cs, Namespace: "ns", QueueTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = g.Run(ctx) }()
	front := httptest.NewServer(g.Handler())
	t.Cleanup(front.Close)

	var wg sync.WaitGroup
	answers := make(chan string, 4)
	wg.Add(1)
	go func() { defer wg.Done(); code, body := post(front.URL); answers <- strconv.Itoa(code) + body }()
	waitFor(t, "queued request in the metric", func() bool {
		_, m := get(front.URL + "/metrics")
		return strings.Contains(m, `inference_extension_flow_control_queue_size{target_model_name="m"} 1`)
	})

	a.Status.Conditions[0].Status = corev1.ConditionTrue
	b.Status.Conditions[0].Status = corev1.ConditionTrue
	for _, p := range []*corev1.Pod{a, b} {
		if _, err := cs.CoreV1().Pods("ns").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "both replicas busy", func() bool {
		r := g.Routed()
		return r["ns/a"] >= 1 && r["ns/b"] >= 0 && len(r) == 2
	})
	// A second request goes to the idle replica, not the one holding the first.
	wg.Add(1)
	go func() { defer wg.Done(); code, body := post(front.URL); answers <- strconv.Itoa(code) + body }()
	waitFor(t, "second request routed", func() bool { r := g.Routed(); return r["ns/a"]+r["ns/b"] == 2 })
	if r := g.Routed(); r["ns/a"] != 1 || r["ns/b"] != 1 {
		t.Errorf("routed %v, want one each (least outstanding requests)", r)
	}
	close(release)
	wg.Wait()
	close(answers)
	got := []string{}
	for s := range answers {
		got = append(got, s)
	}
	if strings.Join(got, ",") != "200a,200b" && strings.Join(got, ",") != "200b,200a" {
		t.Errorf("answers %v", got)
	}
	if _, m := get(front.URL + "/metrics"); !strings.Contains(m, `inference_extension_flow_control_queue_size{target_model_name="m"} 0`) {
		t.Errorf("queue not drained:\n%s", m)
	}
	if _, body := get(front.URL + "/v1/models"); !strings.Contains(body, `"id":"m"`) {
		t.Errorf("/v1/models: %s", body)
	}
}

// With no replica, a request gets a 503 once the bounded wait ends, and a full queue
// refuses at once.
func TestGatewayAnswers503WithoutReplicas(t *testing.T) {
	g, err := New(Options{Client: fake.NewClientset(), QueueTimeout: 2 * time.Second, MaxQueue: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = g.Run(ctx) }()
	front := httptest.NewServer(g.Handler())
	t.Cleanup(front.Close)
	// One request waits (the queue holds one); the second is refused at once.
	waiting := make(chan *http.Response, 1)
	go func() { waiting <- postResp(t, front.URL) }()
	waitFor(t, "one request queued", func() bool {
		_, m := get(front.URL + "/metrics")
		return strings.Contains(m, `inference_extension_flow_control_queue_size{target_model_name="m"} 1`)
	})
	full := postResp(t, front.URL)
	checkRefusal(t, full, "the queue is full (1 waiting)")
	checkRefusal(t, <-waiting, "none became ready within 2s")
}

func postResp(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(`{"model":"m","prompt":"hi"}`))
	if err != nil {
		t.Error(err)
		return &http.Response{Body: io.NopCloser(strings.NewReader(""))}
	}
	return resp
}

// checkRefusal wants a 503 with a Retry-After and the reason in the OpenAI error body.
func checkRefusal(t *testing.T, resp *http.Response, why string) {
	t.Helper()
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" || !strings.Contains(string(b), why) {
		t.Errorf("got %d Retry-After %q %s; want 503, Retry-After 5 and %q", resp.StatusCode, resp.Header.Get("Retry-After"), b, why)
	}
}

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A replica that Kubernetes marks Ready a moment before its server serves answers 503: the
// gateway tries it again within the request's wait instead of passing the 503 on, so a
// request held at zero is answered, not refused, when the model wakes.
func TestGatewayRetriesAReplicaThatIsNotServingYet(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "loading", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "served")
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	g, err := New(Options{Client: fake.NewClientset(modelPod("a", int32(p), true)), Namespace: "ns", QueueTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = g.Run(ctx) }()
	front := httptest.NewServer(g.Handler())
	t.Cleanup(front.Close)
	waitFor(t, "replica known", func() bool { return len(g.Routed()) == 1 })
	if code, body := post(front.URL); code != http.StatusOK || body != "served" {
		t.Fatalf("got %d %q; want the answer after the replica's two 503s", code, body)
	}
}
