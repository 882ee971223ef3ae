package vllmsim

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

func TestHealthWaitsForStartupDelay(t *testing.T) {
	base, srv := startServer(t, Config{StartupDelay: 300 * time.Millisecond})
	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || srv.Ready() {
		t.Fatalf("health during start-up: %d, ready=%v; want 503", resp.StatusCode, srv.Ready())
	}
	comp := post(t, base+"/v1/completions", map[string]any{"prompt": "x", "max_tokens": 1})
	comp.Body.Close()
	if comp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("completion during start-up: %d, want 503", comp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready, last status %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestModels(t *testing.T) {
	base, _ := startServer(t, Config{})
	resp, err := http.Get(base + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	got := decode[struct {
		Data []struct {
			ID          string `json:"id"`
			MaxModelLen int    `json:"max_model_len"`
		} `json:"data"`
	}](t, resp)
	if len(got.Data) != 1 || got.Data[0].ID != testModel || got.Data[0].MaxModelLen != 2048 {
		t.Errorf("models %+v", got)
	}
}

type completion struct {
	Object  string `json:"object"`
	Choices []struct {
		Text    *string `json:"text"`
		Message *struct {
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

func TestNonStreamingCompletions(t *testing.T) {
	base, srv := startServer(t, Config{TimeScale: 5})
	c := decode[completion](t, post(t, base+"/v1/completions", map[string]any{
		"model": testModel, "prompt": []int{1, 2, 3, 4, 5, 6, 7}, "max_tokens": 12}))
	if c.Object != "text_completion" || c.Usage == nil || c.Usage.PromptTokens != 7 || c.Usage.CompletionTokens != 12 ||
		len(c.Choices) != 1 || *c.Choices[0].FinishReason != "length" || strings.Count(*c.Choices[0].Text, "token") != 12 {
		t.Errorf("completion %+v", c)
	}
	chat := decode[completion](t, post(t, base+"/v1/chat/completions", map[string]any{
		"messages": []map[string]string{{"role": "user", "content": "hello"}}, "max_tokens": 5, "sim_prompt_tokens": 300}))
	if chat.Object != "chat.completion" || chat.Usage.PromptTokens != 300 || chat.Usage.CompletionTokens != 5 ||
		chat.Choices[0].Message == nil || strings.Count(chat.Choices[0].Message.Content, "token") != 5 {
		t.Errorf("chat completion %+v", chat)
	}
	st := srv.Stats()
	if st.Success[servermodel.FinishLength] != 2 || st.PromptTokens != 307 || st.GenerationTokens != 17 {
		t.Errorf("model counted success=%d prompt=%d generation=%d", st.Success[servermodel.FinishLength], st.PromptTokens, st.GenerationTokens)
	}
}

func TestStreamingCompletions(t *testing.T) {
	base, _ := startServer(t, Config{TimeScale: 5})
	for _, path := range []string{"/v1/completions", "/v1/chat/completions"} {
		body := map[string]any{"max_tokens": 20, "stream": true, "stream_options": map[string]bool{"include_usage": true}, "sim_prompt_tokens": 50}
		if strings.Contains(path, "chat") {
			body["messages"] = []map[string]string{{"role": "user", "content": "hi"}}
		} else {
			body["prompt"] = "hi"
		}
		events := readSSE(t, post(t, base+path, body))
		if len(events) == 0 || events[len(events)-1] != "[DONE]" {
			t.Fatalf("%s: stream does not end with [DONE]: %v", path, events)
		}
		tokens, finish, usage := 0, "", 0
		for _, data := range events[:len(events)-1] {
			var c completion
			if err := json.Unmarshal([]byte(data), &c); err != nil {
				t.Fatalf("%s: chunk %q: %v", path, data, err)
			}
			if c.Usage != nil {
				usage = c.Usage.CompletionTokens
				continue
			}
			ch := c.Choices[0]
			if (ch.Text != nil && *ch.Text != "") || (ch.Delta != nil && ch.Delta.Content != "") {
				tokens++
			}
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
		if tokens != 20 || finish != "length" || usage != 20 {
			t.Errorf("%s: %d token chunks, finish %q, usage %d; want 20, length, 20", path, tokens, finish, usage)
		}
	}
}

func TestRequestErrors(t *testing.T) {
	base, _ := startServer(t, Config{})
	for _, tc := range []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"model": "other", "prompt": "x", "max_tokens": 1}, http.StatusNotFound},
		{map[string]any{"prompt": "x", "max_tokens": 5000}, http.StatusBadRequest},
		{map[string]any{"prompt": 17, "max_tokens": 1}, http.StatusBadRequest},
		{map[string]any{"prompt": "x", "max_tokens": 0}, http.StatusBadRequest},
	} {
		resp := post(t, base+"/v1/completions", tc.body)
		e := decode[apiError](t, resp)
		if resp.StatusCode != tc.status || e.Error.Message == "" {
			t.Errorf("%v: status %d error %+v, want %d", tc.body, resp.StatusCode, e, tc.status)
		}
	}
}

var wantTypes = map[string]dto.MetricType{
	"vllm:kv_cache_usage_perc":           dto.MetricType_GAUGE,
	"vllm:gpu_cache_usage_perc":          dto.MetricType_GAUGE,
	"vllm:num_requests_waiting":          dto.MetricType_GAUGE,
	"vllm:num_requests_running":          dto.MetricType_GAUGE,
	"vllm:cache_config_info":             dto.MetricType_GAUGE,
	"vllm:request_success_total":         dto.MetricType_COUNTER,
	"vllm:prompt_tokens_total":           dto.MetricType_COUNTER,
	"vllm:generation_tokens_total":       dto.MetricType_COUNTER,
	"vllm:num_preemptions_total":         dto.MetricType_COUNTER,
	"vllm:prefix_cache_hits_total":       dto.MetricType_COUNTER,
	"vllm:prefix_cache_queries_total":    dto.MetricType_COUNTER,
	"vllm:time_to_first_token_seconds":   dto.MetricType_HISTOGRAM,
	"vllm:inter_token_latency_seconds":   dto.MetricType_HISTOGRAM,
	"vllm:time_per_output_token_seconds": dto.MetricType_HISTOGRAM,
	"vllm:e2e_request_latency_seconds":   dto.MetricType_HISTOGRAM,
	"vllm:request_queue_time_seconds":    dto.MetricType_HISTOGRAM,
	"vllm:request_prompt_tokens":         dto.MetricType_HISTOGRAM,
	"vllm:request_generation_tokens":     dto.MetricType_HISTOGRAM,
}

func TestMetricsNamesTypesLabelsAndBuckets(t *testing.T) {
	base, _ := startServer(t, Config{TimeScale: 5})
	decode[completion](t, post(t, base+"/v1/completions", map[string]any{"prompt": "hello", "max_tokens": 3}))
	fams := scrape(t, base)
	for name, typ := range wantTypes {
		f, ok := fams[name]
		if !ok {
			t.Errorf("missing %s", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s is %v, want %v", name, f.GetType(), typ)
		}
		for _, m := range f.GetMetric() {
			if labelValue(m, "model_name") != testModel {
				t.Errorf("%s has no model_name=%q label: %v", name, testModel, m.GetLabel())
			}
		}
	}
	info := fams["vllm:cache_config_info"].GetMetric()[0]
	if labelValue(info, "num_gpu_blocks") != "128" || labelValue(info, "block_size") != "16" {
		t.Errorf("cache_config_info labels %v", info.GetLabel())
	}
	checkBuckets(t, fams, "vllm:time_to_first_token_seconds", servermodel.TTFTBuckets())
	checkBuckets(t, fams, "vllm:inter_token_latency_seconds", servermodel.ITLBuckets())
	checkBuckets(t, fams, "vllm:e2e_request_latency_seconds", servermodel.RequestLatencyBuckets())
	checkBuckets(t, fams, "vllm:request_prompt_tokens", []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000})
	if h := fams["vllm:time_to_first_token_seconds"].GetMetric()[0].GetHistogram(); h.GetSampleCount() != 1 {
		t.Errorf("TTFT histogram count %d, want 1", h.GetSampleCount())
	}
	if h := fams["vllm:inter_token_latency_seconds"].GetMetric()[0].GetHistogram(); h.GetSampleCount() != 2 {
		t.Errorf("ITL histogram count %d, want 2", h.GetSampleCount())
	}
}

// With WallClockLatencies the latency histograms are in wall-clock seconds: bounds and
// sums divided by the time scale, counts as they are; token histograms are untouched.
func TestWallClockLatencies(t *testing.T) {
	const scale = 5
	base, srv := startServer(t, Config{TimeScale: scale, WallClockLatencies: true})
	decode[completion](t, post(t, base+"/v1/completions", map[string]any{"prompt": "hello", "max_tokens": 3}))
	fams := scrape(t, base)
	st := srv.Stats()
	wall := func(bounds []float64) []float64 {
		out := make([]float64, len(bounds))
		for i, b := range bounds {
			out[i] = b / scale
		}
		return out
	}
	checkBuckets(t, fams, "vllm:time_to_first_token_seconds", wall(servermodel.TTFTBuckets()))
	checkBuckets(t, fams, "vllm:inter_token_latency_seconds", wall(servermodel.ITLBuckets()))
	checkBuckets(t, fams, "vllm:request_prompt_tokens", []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000})
	h := fams["vllm:time_to_first_token_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 1 || math.Abs(h.GetSampleSum()-st.TTFT.Sum/scale) > 1e-12 || st.TTFT.Sum <= 0 {
		t.Errorf("TTFT histogram count %d sum %g, want 1 and the model's %g / %d", h.GetSampleCount(), h.GetSampleSum(), st.TTFT.Sum, scale)
	}
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func checkBuckets(t *testing.T, fams map[string]*dto.MetricFamily, name string, want []float64) {
	t.Helper()
	var got []float64
	for _, b := range fams[name].GetMetric()[0].GetHistogram().GetBucket() {
		got = append(got, b.GetUpperBound())
	}
	want = append(slices.Clone(want), math.Inf(1)) // the parser adds the +Inf bucket
	if !slices.Equal(got, want) {
		t.Errorf("%s buckets %v, want %v", name, got, want)
	}
}

func TestUnderLoadRequestsWaitAndKVFills(t *testing.T) {
	base, srv := startServer(t, Config{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			readSSE(t, post(t, base+"/v1/completions", map[string]any{
				"prompt": "x", "sim_prompt_tokens": 200, "max_tokens": 40, "stream": true}))
		})
	}
	maxWaiting, maxKV := 0.0, 0.0
	deadline := time.Now().Add(20 * time.Second)
	for (maxWaiting == 0 || maxKV == 0) && time.Now().Before(deadline) {
		fams := scrape(t, base)
		maxWaiting = max(maxWaiting, gaugeValue(t, fams, "vllm:num_requests_waiting"))
		maxKV = max(maxKV, gaugeValue(t, fams, "vllm:kv_cache_usage_perc"))
		if run := gaugeValue(t, fams, "vllm:num_requests_running"); run > 4 {
			t.Errorf("running %g exceeds max_num_seqs 4", run)
		}
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	if maxWaiting == 0 || maxKV == 0 {
		t.Errorf("under load: max waiting %g, max KV usage %g; both must rise above 0", maxWaiting, maxKV)
	}
	st := srv.Stats()
	if st.Success[servermodel.FinishLength] != 16 || st.UsedBlocks != 0 || st.Waiting != 0 {
		t.Errorf("after load: success %d, used blocks %d, waiting %d", st.Success[servermodel.FinishLength], st.UsedBlocks, st.Waiting)
	}
}

func TestClientDisconnectAborts(t *testing.T) {
	base, srv := startServer(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/completions",
		strings.NewReader(`{"prompt":"x","max_tokens":1000,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().Success[servermodel.FinishAbort] != 1 {
		if time.Now().After(deadline) {
			t.Fatal("aborted request never counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := srv.Stats(); st.Running != 0 || st.UsedBlocks != 0 {
		t.Errorf("after abort: running %d, used blocks %d", st.Running, st.UsedBlocks)
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	srv, err := New(Config{Model: testModel, Params: tinyParams(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := newLocalListener(t)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	result := make(chan completion, 1)
	go func() {
		result <- decode[completion](t, post(t, "http://"+ln.Addr().String()+"/v1/completions",
			map[string]any{"prompt": "x", "max_tokens": 60}))
	}()
	for srv.Stats().Running == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	c := <-result
	if c.Usage == nil || c.Usage.CompletionTokens != 60 {
		t.Errorf("in-flight request cut short by shutdown: %+v", c)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after shutdown: %v", err)
	}
}
