package podserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func freePort(t *testing.T) int32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return int32(l.Addr().(*net.TCPAddr).Port)
}

func get(url string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestModelServerOf(t *testing.T) {
	cases := []struct {
		name  string
		c     corev1.Container
		ann   string
		model string
		ok    bool
	}{
		{"args", corev1.Container{Args: []string{"--model", "m/a"}, Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}}}, "", "m/a", true},
		{"equals form", corev1.Container{Args: []string{"--model=m/b"}, Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}}}, "", "m/b", true},
		{"annotation", corev1.Container{Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}}}, "m/c", "m/c", true},
		{"no model", corev1.Container{Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}}}, "", "", false},
		{"no http port", corev1.Container{Args: []string{"--model", "m/a"}, Ports: []corev1.ContainerPort{{Name: "grpc", ContainerPort: 9000}}}, "", "", false},
	}
	for _, tc := range cases {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{}}, Spec: corev1.PodSpec{Containers: []corev1.Container{tc.c}}}
		if tc.ann != "" {
			p.Annotations[ModelAnnotation] = tc.ann
		}
		ep, ok := modelServerOf(p)
		if ok != tc.ok || ep.model != tc.model {
			t.Errorf("%s: got %q %v, want %q %v", tc.name, ep.model, ok, tc.model, tc.ok)
		}
	}
}

// A running Pod on an H100 node gets a server at its IP and port, which answers only once
// the Pod is Ready (503 while it loads); deleting the Pod stops the server.
func TestRunnerServesRunningPodsAndStopsWhenTheyGo(t *testing.T) {
	port := freePort(t)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{GPUProductLabel: "NVIDIA-H100-80GB-HBM3"}}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p1", UID: "u1"},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{
			Name: "vllm", Args: []string{"--model", "meta/llama-3.1-8b"},
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.0.1",
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}},
	}
	cs := fake.NewClientset(node, pod)
	r, err := New(Options{Client: cs, ShutdownTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	eventually(t, "server up, not ready", func() bool { code, _ := get(base + "/health"); return code == http.StatusServiceUnavailable })
	if code, _ := get(base + "/metrics"); code != http.StatusServiceUnavailable {
		t.Fatalf("/metrics of a loading replica: %d, want 503", code)
	}

	pod.Status.Conditions[0].Status = corev1.ConditionTrue
	if _, err := cs.CoreV1().Pods("ns").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ready", func() bool { code, _ := get(base + "/health"); return code == http.StatusOK })
	if code, body := get(base + "/metrics"); code != 200 || !strings.Contains(body, `vllm:num_requests_running{`) || !strings.Contains(body, `model_name="meta/llama-3.1-8b"`) {
		t.Fatalf("/metrics: %d\n%s", code, body)
	}
	if code, body := get(base + "/v1/models"); code != 200 || !strings.Contains(body, "meta/llama-3.1-8b") {
		t.Fatalf("/v1/models: %d %s", code, body)
	}
	if got := r.Serving()["ns/p1"]; got != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("Serving: %q", got)
	}

	if err := cs.CoreV1().Pods("ns").Delete(ctx, "p1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "server gone", func() bool { code, _ := get(base + "/health"); return code == 0 })
	if len(r.Serving()) != 0 {
		t.Errorf("still serving %v", r.Serving())
	}
}
