package vllmsim

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// streamSSE writes the answer as server-sent events, one chunk per token at the moment
// the model produces it, then a usage chunk if asked and "data: [DONE]".
func (p responder) streamSSE(w http.ResponseWriter, r *http.Request, includeUsage bool) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "InternalServerError", errNoFlusher.Error())
		p.srv.eng.abort(p.stream)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if p.chat {
		p.writeChunk(w, choice{Delta: &chatContent{Role: "assistant"}}, nil)
	}
	flusher.Flush()
	tokens, _, ok := p.wait(r, func(from, to int, done bool, reason servermodel.FinishReason) {
		for i := from; i < to; i++ {
			var fr *string
			if done && i == to-1 {
				s := string(reason)
				fr = &s
			}
			p.writeChunk(w, p.tokenChoice(i, fr), nil)
		}
		flusher.Flush()
	})
	if !ok {
		return
	}
	if includeUsage {
		p.writeChunk(w, choice{}, newUsage(p.stream.prompt, tokens))
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	flusher.Flush()
}

func (p responder) tokenChoice(i int, finish *string) choice {
	text := tokenText(i)
	if p.chat {
		return choice{Delta: &chatContent{Content: text}, FinishReason: finish}
	}
	return choice{Text: &text, FinishReason: finish}
}

// writeChunk writes one "data:" event; a usage chunk carries no choices, as in vLLM.
func (p responder) writeChunk(w http.ResponseWriter, c choice, u *usage) {
	object := "text_completion"
	if p.chat {
		object = "chat.completion.chunk"
	}
	resp := response{ID: p.id, Object: object, Created: p.srv.created, Model: p.srv.cfg.Model, Usage: u}
	if u == nil {
		resp.Choices = []choice{c}
	} else {
		resp.Choices = []choice{}
	}
	data, err := json.Marshal(resp)
	if err != nil {
		return // cannot happen for these types
	}
	fmt.Fprintf(w, "data: %s\n\n", data)
}
