package simulator

import (
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// reqState is how far a request got.
type reqState uint8

const (
	reqPending reqState = iota // not yet served a token
	reqStarted                 // first token produced
	reqDone                    // finished
	reqFailed                  // rejected (fits no variant), aborted, or never served
)

// reqRecord is what the simulation learned about one request.
type reqRecord struct {
	ttft, itl, e2e  time.Duration
	state           reqState
	waitedNoReplica bool
	outputs         int
}

// sinkFor returns the event sink of one replica: it records latencies and keeps the
// counters the replica exports on /metrics.
func (s *sim) sinkFor(r *replica) servermodel.Sink {
	return func(e servermodel.Event) {
		rec := &s.records[e.ID]
		arrived := s.wl.arrivals[e.ID].at // the engine's arrival misses time at the gateway
		r.lastEvent = e.Time
		switch e.Kind {
		case servermodel.EventFirstToken:
			rec.ttft = e.Time - arrived
			rec.state = reqStarted
			r.promptTokens += float64(e.PromptTokens)
		case servermodel.EventFinished:
			rec.e2e = e.Time - arrived
			rec.itl = e.MeanITL()
			rec.outputs = e.OutputTokens
			rec.state = reqDone
			r.success++
			r.outputTokens += float64(e.OutputTokens)
			s.finished++
		}
	}
}

// servermodelRequest is the engine's view of request i.
func servermodelRequest(i int, a *arrival) servermodel.Request {
	return servermodel.Request{ID: servermodel.RequestID(i), PromptTokens: a.prompt, OutputTokens: a.output}
}
