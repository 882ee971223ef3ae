package engine

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// inferencePools lists the InferencePools of every installed InferencePool API (from the
// cache, as unstructured); none when no such CRD is installed.
func (e *Engine) inferencePools(ctx context.Context) ([]inventory.Pool, error) {
	if e.opts.RESTMapper == nil {
		return nil, nil
	}
	var out []inventory.Pool
	for _, gvk := range inventory.InferencePoolGVKs {
		if _, err := e.opts.RESTMapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			if meta.IsNoMatchError(err) {
				continue // this version of the extension is not installed
			}
			return out, fmt.Errorf("look up the %s API: %w", gvk.GroupVersion(), err)
		}
		var list unstructured.UnstructuredList
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := e.opts.Reader.List(ctx, &list); err != nil {
			return out, fmt.Errorf("list %s InferencePools: %w", gvk.GroupVersion(), err)
		}
		out = append(out, inventory.PoolsFrom(list.Items)...)
	}
	return out, nil
}
