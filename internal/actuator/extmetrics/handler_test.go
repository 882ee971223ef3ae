package extmetrics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	externalv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// byHeader authenticates the user named in the test header, as the front proxy's
// request-header authentication would; the real authenticator is exercised against the
// API server in test/integration.
type byHeader struct{}

func (byHeader) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	name := req.Header.Get("X-Test-User")
	if name == "" {
		return nil, false, nil
	}
	return &authenticator.Response{User: &user.DefaultInfo{Name: name}}, true, nil
}

// allowList allows user "hpa" to list in namespace team-a and everyone discovery.
type allowList struct{ seen []authorizer.Attributes }

func (a *allowList) Authorize(_ context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	a.seen = append(a.seen, attrs)
	if !attrs.IsResourceRequest() {
		return authorizer.DecisionAllow, "", nil
	}
	if attrs.GetUser().GetName() == "hpa" && attrs.GetNamespace() == "team-a" && attrs.GetVerb() == "list" &&
		attrs.GetAPIGroup() == Group && attrs.GetResource() == MetricDesiredReplicas {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "not allowed", nil
}

func TestHandlerRoutesAuthorisesAndAnswers(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	authz := &allowList{}
	h := &Handler{
		Authenticator: byHeader{}, Authorizer: authorizer.AuthorizerFunc(authz.Authorize), Instance: "", Clock: clocktesting.NewFakeClock(now),
		List: func(_ context.Context, ns string) ([]v1alpha1.VariantAutoscaling, error) {
			return []v1alpha1.VariantAutoscaling{va("h100", ptr.To[int32](4), metav1.ConditionTrue), va("a100", ptr.To[int32](1), metav1.ConditionTrue)}, nil
		},
	}
	get := func(path, who string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if who != "" {
			req.Header.Set("X-Test-User", who)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	list := "/apis/external.metrics.k8s.io/v1beta1/namespaces/team-a/wva_desired_replicas"
	cases := []struct {
		path, who string
		code      int
	}{
		{list, "", http.StatusUnauthorized},
		{list, "someone", http.StatusForbidden},
		{"/apis/external.metrics.k8s.io/v1beta1/namespaces/team-b/wva_desired_replicas", "hpa", http.StatusForbidden},
		{list, "hpa", http.StatusOK},
		{list + "?labelSelector=variant_name%3Dh100", "hpa", http.StatusOK},
		{list + "?labelSelector=%3D%3D%3D", "hpa", http.StatusBadRequest},
		{"/apis/external.metrics.k8s.io/v1beta1/namespaces/team-a/other_metric", "hpa", http.StatusForbidden},
		{"/apis/external.metrics.k8s.io/v1beta1", "anyone", http.StatusOK},
		{"/apis/external.metrics.k8s.io", "anyone", http.StatusOK},
		{"/apis", "anyone", http.StatusNotFound},
		{"/openapi/v2", "anyone", http.StatusNotFound},
		{"/apis/external.metrics.k8s.io/v1beta1/namespaces/team-a", "hpa", http.StatusNotFound},
	}
	for _, c := range cases {
		if rec := get(c.path, c.who); rec.Code != c.code {
			t.Errorf("GET %s as %q: %d %s, want %d", c.path, c.who, rec.Code, rec.Body.String(), c.code)
		}
	}

	var got externalv1beta1.ExternalMetricValueList
	rec := get(list+"?labelSelector=variant_name%3Dh100", "hpa")
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Kind != "ExternalMetricValueList" || got.APIVersion != "external.metrics.k8s.io/v1beta1" || len(got.Items) != 1 ||
		got.Items[0].Value.Value() != 4 || got.Items[0].MetricLabels["variant_name"] != "h100" {
		t.Errorf("list = %+v", got)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}

	var res metav1.APIResourceList
	if err := json.Unmarshal(get("/apis/external.metrics.k8s.io/v1beta1", "x").Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.GroupVersion != "external.metrics.k8s.io/v1beta1" || len(res.APIResources) != 1 || res.APIResources[0].Name != "wva_desired_replicas" || !res.APIResources[0].Namespaced {
		t.Errorf("discovery = %+v", res)
	}
	var st metav1.Status
	if err := json.Unmarshal(get(list, "someone").Body.Bytes(), &st); err != nil || st.Kind != "Status" || st.Reason != metav1.StatusReasonForbidden {
		t.Errorf("forbidden status = %+v (%v)", st, err)
	}
}
