package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"time"
)

// maxBody bounds request bodies, as vLLM does.
const maxBody = 16 << 20

// handleInference reads the model from the body, waits (bounded) for a Ready replica
// and streams the request through to the least loaded one.
func (g *Gateway) handleInference(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read body: "+err.Error())
		return
	}
	var req struct {
		Model string `json:"model"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Model == "" {
		writeError(w, http.StatusBadRequest, "the body must be JSON with a model")
		return
	}
	ep, refusal := g.acquire(r, req.Model)
	if ep == nil {
		// Every refusal is a 503 the client may retry: say when.
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(g.opts.RetryAfter.Seconds()))))
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("no ready replica of model %q: %s", req.Model, refusal))
		return
	}
	defer ep.inFlight.Add(-1)
	proxy := &httputil.ReverseProxy{
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode < 300 {
				ep.answered.Add(1)
			}
			return nil
		},
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: ep.addr})
			pr.Out.Body = io.NopCloser(bytes.NewReader(body))
			pr.Out.ContentLength = int64(len(body))
		},
		Transport:     g.forward,
		FlushInterval: -1, // stream server-sent events as they come
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			g.opts.Logger.Warn("Upstream failed", "pod", ep.pod, "err", err)
			writeError(w, http.StatusBadGateway, "upstream "+ep.pod+" failed")
		},
	}
	proxy.ServeHTTP(w, r)
}

// handleModels lists the models that have a Ready replica, in OpenAI's format.
func (g *Gateway) handleModels(w http.ResponseWriter, _ *http.Request) {
	data := []map[string]any{}
	for _, m := range g.pool.models() {
		data = append(data, map[string]any{"id": m, "object": "model", "owned_by": "wva-gateway"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers in OpenAI's error format.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": http.StatusText(status), "code": status}})
}

// acquire returns a replica for the model, waiting in the model's queue while there is
// none; nil and why when the queue is full, the wait times out, or the client goes away.
func (g *Gateway) acquire(r *http.Request, model string) (*endpoint, string) {
	ep, changed := g.pool.pick(model)
	if ep != nil {
		return ep, ""
	}
	if !g.queue.enter(model) {
		return nil, fmt.Sprintf("the queue is full (%d waiting)", g.opts.MaxQueue)
	}
	defer g.queue.leave(model)
	timeout := time.NewTimer(g.opts.QueueTimeout)
	defer timeout.Stop()
	for {
		select {
		case <-changed:
		case <-timeout.C:
			return nil, fmt.Sprintf("none became ready within %s", g.opts.QueueTimeout)
		case <-r.Context().Done():
			return nil, "the client went away"
		}
		if ep, changed = g.pool.pick(model); ep != nil {
			return ep, ""
		}
	}
}
