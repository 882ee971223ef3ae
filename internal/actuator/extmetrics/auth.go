package extmetrics

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/apis/apiserver"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/kubernetes"
)

// Where the kube-apiserver publishes how its front proxy authenticates to aggregated APIs.
const (
	AuthConfigMapNamespace = "kube-system"
	AuthConfigMapName      = "extension-apiserver-authentication"
)

// Auth is delegated authentication and authorisation for an aggregated API, plus the
// controllers that keep the front proxy's CA and header names current.
type Auth struct {
	Authenticator authenticator.Request
	Authorizer    authorizer.Authorizer

	caController     *dynamiccertificates.ConfigMapCAController
	headerController *headerrequest.RequestHeaderAuthRequestController
}

// webhookBackoff retries TokenReviews and SubjectAccessReviews briefly when the API server
// is busy (the values the API server libraries use).
func webhookBackoff() *wait.Backoff {
	return &wait.Backoff{Duration: 500 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Steps: 5}
}

// NewAuth reads the front proxy's CA and header names once, so a missing permission fails
// start-up with a clear message rather than every request later, and builds the
// authenticator (front proxy first, then bearer tokens) and the authoriser.
func NewAuth(ctx context.Context, cs kubernetes.Interface) (*Auth, error) {
	ca, err := dynamiccertificates.NewDynamicCAFromConfigMapController("front-proxy-ca", AuthConfigMapNamespace, AuthConfigMapName,
		"requestheader-client-ca-file", cs)
	if err != nil {
		return nil, fmt.Errorf("front proxy CA: %w", err)
	}
	headers := headerrequest.NewRequestHeaderAuthRequestController(AuthConfigMapName, AuthConfigMapNamespace, cs,
		"requestheader-username-headers", "requestheader-uid-headers", "requestheader-group-headers",
		"requestheader-extra-headers-prefix", "requestheader-allowed-names")
	for _, c := range []interface{ RunOnce(context.Context) error }{ca, headers} {
		if err := c.RunOnce(ctx); err != nil {
			return nil, fmt.Errorf("read ConfigMap %s/%s (bind the Role extension-apiserver-authentication-reader in %s to the controller's ServiceAccount): %w",
				AuthConfigMapNamespace, AuthConfigMapName, AuthConfigMapNamespace, err)
		}
	}
	strings := func(f func() []string) headerrequest.StringSliceProvider {
		return headerrequest.StringSliceProviderFunc(f)
	}
	authn, _, err := authenticatorfactory.DelegatingAuthenticatorConfig{
		Anonymous:                &apiserver.AnonymousAuthConfig{Enabled: false},
		TokenAccessReviewClient:  cs.AuthenticationV1(),
		TokenAccessReviewTimeout: 10 * time.Second,
		WebhookRetryBackoff:      webhookBackoff(),
		CacheTTL:                 time.Minute,
		RequestHeaderConfig: &authenticatorfactory.RequestHeaderConfig{
			CAContentProvider:   ca,
			UsernameHeaders:     strings(headers.UsernameHeaders),
			UIDHeaders:          strings(headers.UIDHeaders),
			GroupHeaders:        strings(headers.GroupHeaders),
			ExtraHeaderPrefixes: strings(headers.ExtraHeaderPrefixes),
			AllowedClientNames:  strings(headers.AllowedClientNames),
		},
	}.New()
	if err != nil {
		return nil, fmt.Errorf("build authenticator: %w", err)
	}
	authz, err := authorizerfactory.DelegatingAuthorizerConfig{
		SubjectAccessReviewClient: cs.AuthorizationV1(),
		AllowCacheTTL:             10 * time.Second,
		DenyCacheTTL:              10 * time.Second,
		WebhookRetryBackoff:       webhookBackoff(),
	}.New()
	if err != nil {
		return nil, fmt.Errorf("build authorizer: %w", err)
	}
	return &Auth{Authenticator: authn, Authorizer: authz, caController: ca, headerController: headers}, nil
}

// Run keeps the front proxy's CA and header names in step with the ConfigMap until ctx ends.
func (a *Auth) Run(ctx context.Context) {
	go a.caController.Run(ctx, 1)
	go a.headerController.Run(ctx, 1)
	<-ctx.Done()
}
