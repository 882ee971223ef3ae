package engine

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// inferencePools lists the InferencePools of every installed InferencePool API (from the
// cache, as unstructured); none when no such CRD is installed.
func (e *Engine) inferencePools(ctx context.Context) ([]inventory.Pool, error) {
	var out []inventory.Pool
	for _, gvk := range inventory.InferencePoolGVKs {
		installed, err := e.installed(gvk)
		if err != nil {
			return out, err
		}
		if !installed {
			continue // this version of the extension is not installed
		}
		var list unstructured.UnstructuredList
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := e.opts.Reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			return out, fmt.Errorf("list %s InferencePools: %w", gvk.GroupVersion(), err)
		}
		out = append(out, inventory.PoolsFrom(list.Items)...)
	}
	return out, nil
}
