package status

import (
	"context"
	"fmt"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// Writer persists VariantAutoscaling status. It reads the object fresh from the API server
// (not the cache) and patches with an optimistic lock, retrying on conflict, so two
// writers in one process never lose each other's changes.
type Writer struct {
	client   client.Client
	reader   client.Reader
	recorder events.EventRecorder
}

// NewWriter returns a Writer. reader should be an uncached reader (the manager's API reader).
func NewWriter(c client.Client, reader client.Reader, recorder events.EventRecorder) *Writer {
	return &Writer{client: c, reader: reader, recorder: recorder}
}

// Mutation changes a status in place.
type Mutation func(*v1alpha1.VariantAutoscalingStatus)

// Update applies mutate to the VA's current status and writes it if anything changed. For
// every condition whose status or reason changed it records an event (Normal when the
// condition became True, Warning otherwise). It returns the VA as written, or nil when the
// VA no longer exists.
func (w *Writer) Update(ctx context.Context, key types.NamespacedName, mutate Mutation) (*v1alpha1.VariantAutoscaling, error) {
	var written *v1alpha1.VariantAutoscaling
	var changed []metav1.Condition
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var va v1alpha1.VariantAutoscaling
		if err := w.reader.Get(ctx, key, &va); err != nil {
			return err
		}
		orig := va.DeepCopy()
		mutate(&va.Status)
		if equality.Semantic.DeepEqual(orig.Status, va.Status) {
			written, changed = &va, nil
			return nil
		}
		patch := client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})
		if err := w.client.Status().Patch(ctx, &va, patch); err != nil {
			return err
		}
		written, changed = &va, changedConditions(orig.Status.Conditions, va.Status.Conditions)
		return nil
	})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("write status of VariantAutoscaling %s: %w", key, err)
	}
	for _, c := range changed {
		kind := "Warning"
		if c.Status == metav1.ConditionTrue {
			kind = "Normal"
		}
		w.recorder.Eventf(written, nil, kind, c.Reason, "Update"+c.Type, "%s is %s: %s", c.Type, c.Status, c.Message)
	}
	return written, nil
}

// maxNote is the API server's limit on an event's note, in bytes.
const maxNote = 1024

// Event records an event on a VA, e.g. when its desired replicas change. A note longer
// than the API allows (a HYBRID reason may be) is cut at a character boundary with "…",
// so the event is not rejected; the status and the log keep the whole reason.
func (w *Writer) Event(va *v1alpha1.VariantAutoscaling, kind, reason, action, note string) {
	w.recorder.Eventf(va, nil, kind, reason, action, "%s", Truncate(note, maxNote))
}

// Truncate cuts s to at most n bytes at a UTF-8 character boundary, ending with "…"
// when it was cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// changedConditions returns the conditions in after whose status or reason differ from
// before (or that are new).
func changedConditions(before, after []metav1.Condition) []metav1.Condition {
	var out []metav1.Condition
	for _, c := range after {
		old := meta.FindStatusCondition(before, c.Type)
		if old == nil || old.Status != c.Status || old.Reason != c.Reason {
			out = append(out, c)
		}
	}
	return out
}

// SetCondition sets a condition on a status, keeping lastTransitionTime when the status is
// unchanged; now stamps a transition.
func SetCondition(st *v1alpha1.VariantAutoscalingStatus, typ string, ok bool, reason, message string, generation int64, now metav1.Time) {
	s := metav1.ConditionFalse
	if ok {
		s = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: typ, Status: s, Reason: reason, Message: message,
		ObservedGeneration: generation, LastTransitionTime: now,
	})
}
