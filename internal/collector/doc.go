// Package collector gathers, once per decision cycle, the per-replica signals of every
// model WVA manages, and says honestly when they are missing or stale.
//
// Two Sources produce the same result shape, so the engine does not care which one the
// configuration picked:
//
//   - PrometheusSource asks a Prometheus server, through the Prometheus Go client, a
//     constant number of PromQL queries per cycle, whatever the number of models: every
//     model at once, split afterwards by the namespace, model_name and pod labels.
//   - PodSource needs no Prometheus: it scrapes each model server Pod's /metrics directly,
//     in parallel, and keeps a short window of samples per replica so that "peak over the
//     last minute" means what it means in PromQL.
//
// Every sample is tied to a variant through its Pod: Pod → owning ReplicaSet → Deployment
// → VariantAutoscaling. Mapper resolves that from indexes of the informer cache,
// never with API calls per sample; the Sources only keep series of the Pods they were
// given, so a series that belongs to no requested model is never used.
//
// No data is never zero load. A failed query, an empty answer, a replica whose samples are
// old, or a replica lacking one of the saturation signals is reported as such in Health
// (reasons MetricsMissing, MetricsStale, PrometheusError, which become the VA condition
// MetricsAvailable=False), and such a replica never appears among the usable replicas.
//
// Every label value placed in PromQL is validated (namespaces as DNS labels, model IDs
// without control characters) and escaped, so no value can leave its label matcher.
package collector
