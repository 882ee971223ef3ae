package extmetrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	externalv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// The API served, as the HPA controller and the aggregator address it.
const (
	Group   = externalv1beta1.GroupName
	Version = "v1beta1"
)

var (
	groupPath   = "/apis/" + Group
	versionPath = groupPath + "/" + Version
)

// VALister lists the VariantAutoscalings of one namespace this controller manages (the
// manager's cache, filtered by controller instance).
type VALister func(ctx context.Context, namespace string) ([]v1alpha1.VariantAutoscaling, error)

// Handler answers the external metrics API's requests. Every request is authenticated;
// discovery and metric reads are then authorised by a SubjectAccessReview.
type Handler struct {
	// Authenticator identifies the caller: the aggregator's front proxy or a bearer token.
	Authenticator authenticator.Request
	// Authorizer decides whether the caller may read what it asks for.
	Authorizer authorizer.Authorizer
	// List reads the VAs of a namespace.
	List VALister
	// Instance is the controller_instance label of the values; empty when not set.
	Instance string
	// Clock stamps the values.
	Clock clock.PassiveClock
}

// ServeHTTP routes /apis/external.metrics.k8s.io[/v1beta1[/namespaces/NS/METRIC]].
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	res, ok, err := h.Authenticator.AuthenticateRequest(req)
	if err != nil || !ok {
		log.FromContext(ctx).V(4).Info("External metrics request not authenticated", "path", req.URL.Path, "error", err)
		writeStatus(w, apierrors.NewUnauthorized("Unauthorized"))
		return
	}
	if req.Method != http.MethodGet {
		writeStatus(w, apierrors.NewMethodNotSupported(schema.GroupResource{Group: Group}, req.Method))
		return
	}
	attrs := authorizer.AttributesRecord{User: res.User, Verb: "get", Path: req.URL.Path}
	var serve func()
	switch path := strings.TrimSuffix(req.URL.Path, "/"); {
	case path == groupPath:
		serve = func() { writeJSON(w, http.StatusOK, apiGroup()) }
	case path == versionPath:
		serve = func() { writeJSON(w, http.StatusOK, apiResources()) }
	case strings.HasPrefix(path, versionPath+"/namespaces/"):
		parts := strings.Split(strings.TrimPrefix(path, versionPath+"/namespaces/"), "/")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: Group}, path))
			return
		}
		ns, metric := parts[0], parts[1]
		// The HPA controller's request is a list of a namespaced collection named after the metric.
		attrs = authorizer.AttributesRecord{User: res.User, Verb: "list", Namespace: ns, APIGroup: Group, APIVersion: Version,
			Resource: metric, ResourceRequest: true, Path: req.URL.Path}
		serve = func() { h.serveMetric(w, req, ns, metric) }
	default:
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: Group}, req.URL.Path))
		return
	}
	decision, reason, err := h.Authorizer.Authorize(ctx, attrs)
	if err != nil {
		log.FromContext(ctx).Error(err, "External metrics authorisation failed", "user", res.User.GetName(), "path", req.URL.Path)
		writeStatus(w, apierrors.NewInternalError(fmt.Errorf("authorisation failed")))
		return
	}
	if decision != authorizer.DecisionAllow {
		writeStatus(w, apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: attrs.Resource}, attrs.Namespace,
			fmt.Errorf("user %q may not %s %s: %s", res.User.GetName(), attrs.Verb, req.URL.Path, reason)))
		return
	}
	serve()
}

// serveMetric answers GET .../namespaces/NS/METRIC?labelSelector=... with the values.
func (h *Handler) serveMetric(w http.ResponseWriter, req *http.Request, ns, metric string) {
	if metric != MetricDesiredReplicas {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: Group, Resource: metric}, ns))
		return
	}
	sel, err := labels.Parse(req.URL.Query().Get("labelSelector"))
	if err != nil {
		writeStatus(w, apierrors.NewBadRequest(fmt.Sprintf("labelSelector: %v", err)))
		return
	}
	vas, err := h.List(req.Context(), ns)
	if err != nil {
		log.FromContext(req.Context()).Error(err, "Cannot list VariantAutoscalings for the external metrics API", "namespace", ns)
		writeStatus(w, apierrors.NewServiceUnavailable("cannot list VariantAutoscalings"))
		return
	}
	writeJSON(w, http.StatusOK, &externalv1beta1.ExternalMetricValueList{
		TypeMeta: metav1.TypeMeta{Kind: "ExternalMetricValueList", APIVersion: Group + "/" + Version},
		Items:    DesiredReplicas(vas, h.Instance, sel, h.Clock.Now()),
	})
}

func apiGroup() *metav1.APIGroup {
	gv := metav1.GroupVersionForDiscovery{GroupVersion: Group + "/" + Version, Version: Version}
	return &metav1.APIGroup{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
		Name:     Group, Versions: []metav1.GroupVersionForDiscovery{gv}, PreferredVersion: gv,
	}
}

func apiResources() *metav1.APIResourceList {
	return &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: Group + "/" + Version,
		APIResources: []metav1.APIResource{{
			Name: MetricDesiredReplicas, Namespaced: true, Kind: "ExternalMetricValueList", Verbs: metav1.Verbs{"get"},
		}},
	}
}

func writeStatus(w http.ResponseWriter, err *apierrors.StatusError) {
	st := err.Status()
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	writeJSON(w, int(st.Code), &st)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
