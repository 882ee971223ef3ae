package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
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
	deadline := time.Now().Add(g.opts.QueueTimeout)
	for {
		ep, refusal := g.acquire(r, req.Model)
		if ep == nil {
			g.refuse(w, req.Model, refusal)
			return
		}
		retry := g.forward1(w, r, ep, body)
		ep.inFlight.Add(-1)
		if !retry {
			return
		}
		// The replica is Ready for Kubernetes but its server is not serving yet (it answered
		// 503 before any byte reached the client): try again, within the request's wait.
		select {
		case <-r.Context().Done():
			return
		case <-time.After(notReadyBackoff):
		}
		if time.Now().After(deadline) {
			g.refuse(w, req.Model, fmt.Sprintf("no replica answered within %s", g.opts.QueueTimeout))
			return
		}
	}
}

// notReadyBackoff is the pause before a request goes to a replica again after it answered
// 503: a server that was just marked Ready is about to serve.
const notReadyBackoff = 200 * time.Millisecond

// errNotReady marks an upstream 503, retried instead of passed on.
var errNotReady = errors.New("upstream answered 503")

// refuse answers 503 with Retry-After, saying why: every refusal is one the client may retry.
func (g *Gateway) refuse(w http.ResponseWriter, model, why string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(g.opts.RetryAfter.Seconds()))))
	writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("no ready replica of model %q: %s", model, why))
}

// forward1 streams the request to the replica and the answer back. It reports whether the
// replica answered 503, in which case nothing was written and the request may go again.
func (g *Gateway) forward1(w http.ResponseWriter, r *http.Request, ep *endpoint, body []byte) bool {
	retry := false
	proxy := &httputil.ReverseProxy{
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode == http.StatusServiceUnavailable {
				return errNotReady
			}
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
			if errors.Is(err, errNotReady) {
				retry = true
				return
			}
			g.opts.Logger.Warn("Upstream failed", "pod", ep.pod, "err", err)
			writeError(w, http.StatusBadGateway, "upstream "+ep.pod+" failed")
		},
	}
	proxy.ServeHTTP(w, r)
	return retry
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
