package watch

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ReadMainConfigMap fetches the main ConfigMap's data once, for config.Load at start-up. A
// missing ConfigMap is not an error (nil data: flags, environment and defaults decide).
func ReadMainConfigMap(ctx context.Context, client kubernetes.Interface, namespace, name string) (map[string]string, error) {
	cm, err := client.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", namespace, name, err)
	}
	return cm.Data, nil
}
