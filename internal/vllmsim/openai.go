package vllmsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// apiRequest is the subset of the OpenAI completions and chat-completions bodies the
// simulator reads. SimPromptTokens is an extension: when set, it is the exact prompt length,
// so a load generator can ask for precise input sizes with any prompt text.
type apiRequest struct {
	Model               string          `json:"model"`
	Prompt              json.RawMessage `json:"prompt"`
	Messages            []chatMessage   `json:"messages"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Stream              bool            `json:"stream"`
	StreamOptions       *streamOptions  `json:"stream_options"`
	SimPromptTokens     int             `json:"sim_prompt_tokens"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// errBadRequest marks client errors (HTTP 400).
var errBadRequest = errors.New("bad request")

// outputTokens is max_tokens (or max_completion_tokens); 0 means the model decides.
func (r apiRequest) outputTokens() (int, error) {
	v := r.MaxTokens
	if v == nil {
		v = r.MaxCompletionTokens
	}
	if v == nil {
		return 0, nil
	}
	if *v < 1 {
		return 0, fmt.Errorf("%w: max_tokens must be at least 1, got %d", errBadRequest, *v)
	}
	return *v, nil
}

// promptTokens is the exact sim_prompt_tokens, or the length of a token-ID prompt, or an
// estimate from the prompt or message text.
func (r apiRequest) promptTokens(chat bool) (int, error) {
	if r.SimPromptTokens < 0 {
		return 0, fmt.Errorf("%w: sim_prompt_tokens must not be negative", errBadRequest)
	}
	if r.SimPromptTokens > 0 {
		return r.SimPromptTokens, nil
	}
	if chat {
		return chatTokens(r.Messages)
	}
	return completionPromptTokens(r.Prompt)
}

// completionPromptTokens accepts a string, a list of token IDs, or a one-element list of
// either (vLLM also accepts those; batches of several prompts are not simulated).
func completionPromptTokens(raw json.RawMessage) (int, error) {
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		return estimateTokens(text), nil
	}
	var ids []int
	if err := json.Unmarshal(raw, &ids); err == nil && len(ids) > 0 {
		return len(ids), nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err == nil && len(list) == 1 {
		return completionPromptTokens(list[0])
	}
	return 0, fmt.Errorf("%w: prompt must be a string, a token-ID list, or one of either", errBadRequest)
}

// chatTokens estimates a chat prompt: message texts plus a few template tokens each
// (Llama-3's chat template adds header and end-of-turn tokens).
func chatTokens(msgs []chatMessage) (int, error) {
	if len(msgs) == 0 {
		return 0, fmt.Errorf("%w: messages must not be empty", errBadRequest)
	}
	n := 1
	for _, m := range msgs {
		n += 5 + estimateTokens(contentText(m.Content))
	}
	return n, nil
}

// contentText flattens a message content that is a string or a list of text parts.
func contentText(raw json.RawMessage) string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text
	}
	var parts []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts) // anything else counts as empty text
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// usage is the OpenAI token accounting block.
type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func newUsage(prompt, completion int) *usage {
	return &usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
}

// choice covers both completion choices (Text) and chat choices (Message or Delta).
type choice struct {
	Index        int          `json:"index"`
	Text         *string      `json:"text,omitempty"`
	Message      *chatContent `json:"message,omitempty"`
	Delta        *chatContent `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
}

type chatContent struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

// response is a completion, chat completion, or one streamed chunk of either.
type response struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

// apiError is the OpenAI error body vLLM returns.
type apiError struct {
	Error struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    int    `json:"code"`
	} `json:"error"`
}

// tokenText is the text of the i-th generated token: simulated output is a repeated word.
func tokenText(int) string { return " token" }
