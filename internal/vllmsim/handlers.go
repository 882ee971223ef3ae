package vllmsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// maxBodyBytes bounds request bodies (prompts as token-ID lists can be long).
const maxBodyBytes = 16 << 20

// handleHealth answers 200 once the start-up delay has passed and 503 before, which is
// what a readiness probe on vLLM's /health sees while the model loads.
func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	if !s.Ready() {
		http.Error(w, "model loading", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handleModels lists the one served model, as vLLM's /v1/models does.
func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data": []map[string]any{{
			"id": s.cfg.Model, "object": "model", "created": s.created, "owned_by": "vllm",
			"root": s.cfg.Model, "max_model_len": s.cfg.Params.MaxModelLen,
		}},
	})
}

// handleCompletions serves /v1/completions and, with chat set, /v1/chat/completions.
func (s *Server) handleCompletions(chat bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.Ready() {
			writeError(w, http.StatusServiceUnavailable, "ServiceUnavailableError", "model is still loading")
			return
		}
		req, prompt, output, status, err := s.parse(r, chat)
		if err != nil {
			writeError(w, status, errorType(status), err.Error())
			return
		}
		st, err := s.eng.submit(prompt, output)
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadRequestError", err.Error())
			return
		}
		resp := responder{srv: s, chat: chat, id: fmt.Sprintf("cmpl-%d", st.id), stream: st}
		if req.Stream {
			resp.streamSSE(w, r, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
			return
		}
		resp.whole(w, r)
	}
}

// parse decodes and validates a request, returning its prompt and output lengths, or an
// HTTP status and error.
func (s *Server) parse(r *http.Request, chat bool) (apiRequest, int, int, int, error) {
	var req apiRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err := dec.Decode(&req); err != nil {
		return req, 0, 0, http.StatusBadRequest, fmt.Errorf("%w: invalid JSON body: %w", errBadRequest, err)
	}
	if req.Model != "" && req.Model != s.cfg.Model {
		return req, 0, 0, http.StatusNotFound, fmt.Errorf("the model `%s` does not exist", req.Model)
	}
	prompt, err := req.promptTokens(chat)
	if err != nil {
		return req, 0, 0, http.StatusBadRequest, err
	}
	output, err := req.outputTokens()
	if err != nil {
		return req, 0, 0, http.StatusBadRequest, err
	}
	if limit := s.cfg.Params.MaxModelLen; prompt+max(output, 1) > limit {
		return req, 0, 0, http.StatusBadRequest, fmt.Errorf(
			"%w: this model's maximum context length is %d tokens; the request has %d prompt tokens and asks for %d output tokens",
			errBadRequest, limit, prompt, output)
	}
	return req, prompt, output, 0, nil
}

func errorType(status int) string {
	switch status {
	case http.StatusNotFound:
		return "NotFoundError"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailableError"
	}
	return "BadRequestError"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	var e apiError
	e.Error.Message, e.Error.Type, e.Error.Code = msg, kind, status
	writeJSON(w, status, e)
}

// responder writes one request's answer as the model produces it.
type responder struct {
	srv    *Server
	chat   bool
	id     string
	stream *stream
}

// whole waits for the request to finish and writes one JSON body.
func (p responder) whole(w http.ResponseWriter, r *http.Request) {
	tokens, reason, ok := p.wait(r, nil)
	if !ok {
		return
	}
	text := strings.Repeat(tokenText(0), tokens)
	fr := string(reason)
	c := choice{FinishReason: &fr}
	object := "text_completion"
	if p.chat {
		object = "chat.completion"
		c.Message = &chatContent{Role: "assistant", Content: text}
	} else {
		c.Text = &text
	}
	writeJSON(w, http.StatusOK, response{
		ID: p.id, Object: object, Created: p.srv.created, Model: p.srv.cfg.Model,
		Choices: []choice{c}, Usage: newUsage(p.stream.prompt, tokens),
	})
}

// wait blocks until the request finishes, calling onTokens with each new token count.
// It aborts the request and reports false if the client goes away first.
func (p responder) wait(r *http.Request, onTokens func(from, to int, done bool, reason servermodel.FinishReason)) (int, servermodel.FinishReason, bool) {
	sent := 0
	for {
		select {
		case <-r.Context().Done():
			p.srv.eng.abort(p.stream)
			return sent, servermodel.FinishAbort, false
		case <-p.stream.notify:
		}
		tokens, done, reason := p.stream.progress()
		if onTokens != nil && (tokens > sent || done) {
			onTokens(sent, tokens, done, reason)
		}
		sent = tokens
		if done {
			return tokens, reason, true
		}
	}
}

// errNoFlusher is returned when the ResponseWriter cannot stream.
var errNoFlusher = errors.New("response writer cannot flush")
