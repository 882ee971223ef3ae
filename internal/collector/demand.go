package collector

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/model"
)

// Names of the inference gateway's flow-control queue: the endpoint picker of the Gateway
// API Inference Extension exports the first; llm-d's newer endpoint picker exports the
// second too and marks the first deprecated. Both are read, the newer first.
const (
	// QueueMetric is the queue's name in the Gateway API Inference Extension.
	QueueMetric = "inference_extension_flow_control_queue_size"
	// QueueMetricEPP is the same queue under llm-d's endpoint picker prefix.
	QueueMetricEPP = "llm_d_epp_flow_control_queue_size"
)

// Labels of the queue series.
const (
	labelTargetModel = "target_model_name"
	labelPool        = "inference_pool"
)

// DemandScope says which queue series count as requests waiting for one model.
type DemandScope struct {
	// Namespace and ModelID name the model (target_model_name is the model ID).
	Namespace, ModelID string
	// Pools are the InferencePools of Namespace whose selector matches the Pods of the
	// model's variants. When set, a series labelled with another inference_pool belongs to
	// another pool's model of the same name and does not count. Series without the label
	// count when their namespace is the model's (or absent).
	Pools []string
}

// Demand is what a source knows of the requests waiting at the gateway for one model.
type Demand struct {
	// Known is true when at least one queue series of the model was read.
	Known bool
	// Requests is the number of waiting requests when Known.
	Requests int
	// Failure says why the source could not be read; empty when it was.
	Failure string
}

// DemandSource reads the gateway's flow-control queue for many models at once. It answers
// one Demand per scope, in order, always: when the source fails, every Demand carries the
// failure and the error is returned too.
type DemandSource interface {
	Demand(ctx context.Context, scopes []DemandScope, now time.Time) ([]Demand, error)
}

// queueSeries is one queue series: its labels that decide the model, and its value.
type queueSeries struct {
	namespace, pool, model string
	value                  float64
}

// demandQuery sums the queue of the models by namespace, pool and model: one query for
// every model, with the newer metric name where both exist.
func demandQuery(ids []string) string {
	sel := "{" + labelTargetModel + "=~" + QuoteRegexAlternation(sortedUnique(slices.Clone(ids))) + "}"
	by := fmt.Sprintf("sum by (%s, %s, %s) ", labelNamespace, labelPool, labelTargetModel)
	return by + "(" + QueueMetricEPP + sel + ") or " + by + "(" + QueueMetric + sel + ")"
}

// scopeIDs are the model IDs of the scopes.
func scopeIDs(scopes []DemandScope) []string {
	ids := make([]string, len(scopes))
	for i, s := range scopes {
		ids[i] = s.ModelID
	}
	return ids
}

// seriesFromVector reads the queue series of a Prometheus answer.
func seriesFromVector(vec model.Vector) []queueSeries {
	out := make([]queueSeries, 0, len(vec))
	for _, s := range vec {
		out = append(out, queueSeries{
			namespace: string(s.Metric[labelNamespace]), pool: string(s.Metric[labelPool]),
			model: string(s.Metric[labelTargetModel]), value: float64(s.Value),
		})
	}
	return out
}

// matchDemand adds up, per scope, the series that belong to it (see DemandScope). A value
// that is not a finite, non-negative number is ignored.
func matchDemand(scopes []DemandScope, series []queueSeries) []Demand {
	out := make([]Demand, len(scopes))
	for i, sc := range scopes {
		total := 0.0
		for _, s := range series {
			if !belongs(sc, s) || !(s.value >= 0) || math.IsInf(s.value, 1) {
				continue
			}
			out[i].Known = true
			total += s.value
		}
		out[i].Requests = int(math.Ceil(total - 1e-9))
	}
	return out
}

// belongs reports whether a queue series counts for the scope.
func belongs(sc DemandScope, s queueSeries) bool {
	if s.model != sc.ModelID || (s.namespace != "" && s.namespace != sc.Namespace) {
		return false
	}
	return s.pool == "" || len(sc.Pools) == 0 || slices.Contains(sc.Pools, s.pool)
}

// failedDemand is every scope's answer when the source failed.
func failedDemand(n int, err error) []Demand {
	out := make([]Demand, n)
	for i := range out {
		out[i].Failure = err.Error()
	}
	return out
}

// Demand reads the queue of the scopes' models with one query, never from the cache: a
// model at zero is woken on this answer, so it must be fresh.
func (s *PrometheusSource) Demand(ctx context.Context, scopes []DemandScope, now time.Time) ([]Demand, error) {
	if len(scopes) == 0 {
		return nil, nil
	}
	vec, err := s.query(ctx, demandQuery(scopeIDs(scopes)), now)
	if err != nil {
		err = fmt.Errorf("read the gateway queue from Prometheus: %w", err)
		return failedDemand(len(scopes), err), err
	}
	return matchDemand(scopes, seriesFromVector(vec)), nil
}

// demandScopes are the scopes of the models that ask for their demand.
func demandScopes(models []Model) []DemandScope {
	var scopes []DemandScope
	for _, m := range models {
		if m.Demand {
			scopes = append(scopes, DemandScope{Namespace: m.Namespace, ModelID: m.ModelID, Pools: m.Pools})
		}
	}
	return scopes
}

// withDemand puts each scope's demand into its model's signals.
func withDemand(out []ModelSignals, scopes []DemandScope, demand []Demand) []ModelSignals {
	if len(demand) != len(scopes) {
		return out
	}
	byModel := make(map[[2]string]Demand, len(scopes))
	for i, sc := range scopes {
		byModel[[2]string{sc.Namespace, sc.ModelID}] = demand[i]
	}
	for j := range out {
		if d, ok := byModel[[2]string{out[j].Namespace, out[j].ModelID}]; ok {
			out[j].Demand = d
		}
	}
	return out
}
