// Package extmetrics serves WVA's decisions as the external metric wva_desired_replicas
// under external.metrics.k8s.io/v1beta1, from the manager itself. Registered by an
// APIService, it lets an HPA follow WVA with no Prometheus and no prometheus-adapter in
// between: one hop less, one component less to misconfigure.
//
// It is a minimal aggregated API: discovery of the group and version, and the one list
// endpoint the HPA controller calls. Callers are authenticated and authorised the way the
// kube-apiserver's aggregation layer expects: the front proxy's client certificate
// (request-header authentication, with the CA and header names read from
// kube-system/extension-apiserver-authentication) or a bearer token (TokenReview), then a
// SubjectAccessReview, as for the manager's /metrics.
//
// Values come from the VariantAutoscalings' status (desiredOptimizedAlloc), which the
// leader writes after every decision, so every replica answers the same, leader or not.
package extmetrics
