package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// API selects the OpenAI endpoint requests go to.
type API string

const (
	// Completions posts to /v1/completions with the prompt as token IDs, so the prompt
	// length is exact on vLLM and on vllm-sim alike.
	Completions API = "completions"
	// Chat posts to /v1/chat/completions; the prompt length is passed to vllm-sim in its
	// sim_prompt_tokens extension (a real server estimates it from the text).
	Chat API = "chat"
)

// outcome is what one request measured.
type outcome struct {
	ttft, e2e  time.Duration
	itls       []time.Duration
	tokens     int
	promptSent int
	errKind    string
}

// sender sends one streaming request and times its chunks.
type sender struct {
	client  *http.Client
	baseURL string
	model   string
	api     API
	clock   Clock
}

func (s sender) send(ctx context.Context, r Request) outcome {
	body, path := s.body(r)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return outcome{errKind: "build_request"}
	}
	req.Header.Set("Content-Type", "application/json")
	start := s.clock.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return outcome{errKind: failureKind(ctx, "connect")}
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return outcome{errKind: fmt.Sprintf("http_%d", resp.StatusCode)}
	}
	o := s.readStream(resp.Body, start)
	if o.errKind != "" {
		o.errKind = failureKind(ctx, o.errKind)
	}
	o.promptSent = r.PromptTokens
	return o
}

// errCancelled marks a request cut short because the run was stopped; it is counted
// apart from failures (Summary.Cancelled).
const errCancelled = "cancelled"

// failureKind names why a request failed: its own deadline ("timeout"), its context
// ending otherwise (cancelled), or what the transport saw (kind).
func failureKind(ctx context.Context, kind string) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timeout"
	case ctx.Err() != nil:
		return errCancelled
	default:
		return kind
	}
}

// body builds the JSON request: streaming, exactly r.OutputTokens tokens (ignore_eos),
// with usage in the last chunk.
func (s sender) body(r Request) ([]byte, string) {
	m := map[string]any{
		"model":          s.model,
		"max_tokens":     r.OutputTokens,
		"ignore_eos":     true,
		"stream":         true,
		"stream_options": map[string]bool{"include_usage": true},
	}
	path := "/v1/completions"
	if s.api == Chat {
		path = "/v1/chat/completions"
		m["messages"] = []map[string]string{{"role": "user", "content": strings.Repeat("hi ", r.PromptTokens)}}
		m["sim_prompt_tokens"] = r.PromptTokens
	} else {
		ids := make([]int, r.PromptTokens)
		for i := range ids {
			ids[i] = 1000 + i%20000
		}
		m["prompt"] = ids
	}
	data, _ := json.Marshal(m) // cannot fail for these types
	return data, path
}

// streamChunk is the part of a streamed chunk the client reads.
type streamChunk struct {
	Choices []struct {
		Text  string `json:"text"`
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
	Usage *struct {
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// readStream reads server-sent events until [DONE], timing every chunk that carries text.
func (s sender) readStream(body io.Reader, start time.Time) outcome {
	var (
		o    outcome
		last time.Time
		done bool
	)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			break
		}
		now := s.clock.Now()
		var c streamChunk
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return outcome{errKind: "bad_chunk"}
		}
		if c.Usage != nil && len(c.Choices) == 0 {
			o.tokens = c.Usage.CompletionTokens
			continue
		}
		if len(c.Choices) == 0 || c.Choices[0].Text+c.Choices[0].Delta.Content == "" {
			continue
		}
		if last.IsZero() {
			o.ttft = now.Sub(start)
		} else {
			o.itls = append(o.itls, now.Sub(last))
		}
		last = now
		if c.Usage == nil {
			o.tokens = max(o.tokens, len(o.itls)+1)
		}
	}
	if err := sc.Err(); err != nil || !done {
		return outcome{errKind: "stream_cut"}
	}
	o.e2e = s.clock.Now().Sub(start)
	return o
}
