package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// Where the install grants the manager its permissions.
const (
	// RBACDir holds the manager's ClusterRole, its Role in WVA's namespace and their bindings.
	RBACDir = "config/rbac"
	// DirectActuationDir is the optional component that grants direct actuation.
	DirectActuationDir = "config/components/direct-actuation"
	// DirectModeServiceAccount is the account the suites run direct-mode managers as, so
	// that metrics-mode managers running at the same time keep exactly their own rules.
	DirectModeServiceAccount = "wva-direct-mode"
)

// BindManagerRBAC grants ServiceAccount sa (in SystemNamespace) exactly what an install
// grants the manager, for a manager whose POD_NAMESPACE is ns: config/rbac's ClusterRole
// and, in ns, its Role (as a kustomize namespace transformer would place it), each bound to
// sa; with direct, also the direct-actuation component's ClusterRole. Bindings for an
// account other than the install's own are named after it.
func BindManagerRBAC(ctx context.Context, env *localenv.Env, repoRoot, ns, sa string, direct bool) error {
	var objs []*unstructured.Unstructured
	dirs := []string{RBACDir}
	if direct {
		dirs = append(dirs, DirectActuationDir)
	}
	for _, dir := range dirs {
		for _, file := range []string{"role.yaml", "role_binding.yaml"} {
			docs, err := readYAML(filepath.Join(repoRoot, dir, file))
			if err != nil {
				return err
			}
			for _, o := range docs {
				if o.GetNamespace() != "" {
					o.SetNamespace(ns)
				}
				if o.GetKind() == "ClusterRoleBinding" || o.GetKind() == "RoleBinding" {
					if sa != ServiceAccount {
						o.SetName(o.GetName() + "-" + sa)
					}
					if err := unstructured.SetNestedSlice(o.Object, []any{map[string]any{
						"kind": "ServiceAccount", "name": sa, "namespace": SystemNamespace,
					}}, "subjects"); err != nil {
						return fmt.Errorf("bind %s: %w", o.GetName(), err)
					}
				}
				objs = append(objs, o)
			}
		}
	}
	if err := env.Apply(ctx, objs...); err != nil {
		return err
	}
	return waitAllowed(ctx, env, ns, sa)
}

// waitAllowed waits until the API server's authorizer lets sa read ConfigMaps in ns:
// it learns of new bindings through a watch, so a manager started the moment they are
// created may be refused its own configuration (and exit), the more likely the busier
// the API server is.
func waitAllowed(ctx context.Context, env *localenv.Env, ns, sa string) error {
	cs, err := env.Clientset()
	if err != nil {
		return err
	}
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               "system:serviceaccount:" + SystemNamespace + ":" + sa,
		Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + SystemNamespace, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "get", Resource: "configmaps"},
	}}
	var last string
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			last = err.Error()
			return false, nil //nolint:nilerr // retried until the timeout
		}
		last = got.Status.Reason
		return got.Status.Allowed, nil
	})
	if err != nil {
		return fmt.Errorf("%s may not read ConfigMaps in %s after its bindings were created (%s): %w", sa, ns, last, err)
	}
	return nil
}

// CreateServiceAccount creates a ServiceAccount in SystemNamespace (no error if it exists).
func CreateServiceAccount(ctx context.Context, env *localenv.Env, name string) error {
	cs, err := env.Clientset()
	if err != nil {
		return err
	}
	_, err = cs.CoreV1().ServiceAccounts(SystemNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create ServiceAccount %s: %w", name, err)
	}
	return nil
}

// readYAML decodes the documents of a YAML file.
func readYAML(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
		if len(obj) > 0 {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}
