package status

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

// DefaultHeartbeat is how old status.desiredOptimizedAlloc.lastRunTime may grow while
// nothing else in the status changes, when no other period is configured. It follows the
// kubelet's node status report frequency: a status write carrying only a newer time is
// the cost Kubernetes moved node heartbeats to Leases to avoid, so it is paid minutes
// apart, not every cycle.
const DefaultHeartbeat = 5 * time.Minute

// conflictRetries bounds the re-reads after a conflict: another writer (or our own write
// the cache has not seen yet) changed the VA since it was cached.
const conflictRetries = 4

// Limiter paces writes (a client-side rate limit); golang.org/x/time/rate's Limiter fits.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Writer persists VariantAutoscaling status in proportion to change. It starts from the
// VA as the informer cache holds it, so a cycle reads nothing from the API server; it
// writes only when the status content changes (or the lastRunTime heartbeat is due, see
// Update), with a merge patch under an optimistic lock on the cached resourceVersion;
// after a conflict it reads that one VA from the API server and tries again. Every write
// waits for the Limiter first. A Writer is safe for concurrent use.
type Writer struct {
	client    client.Client
	reader    client.Reader
	recorder  events.EventRecorder
	limiter   Limiter
	heartbeat time.Duration
	// writeRate is the Limiter's writes a second (0: unknown, the heartbeat never stretches).
	writeRate float64
	// fleet is how many VAs share the heartbeat (SetFleetSize).
	fleet atomic.Int64
}

// Option configures a Writer.
type Option func(*Writer)

// WithHeartbeat sets how old lastRunTime may grow while nothing else changes (see Update);
// zero refreshes it only together with another change.
func WithHeartbeat(d time.Duration) Option { return func(w *Writer) { w.heartbeat = d } }

// WithLimiter paces every write (PATCH) through l.
func WithLimiter(l Limiter) Option { return func(w *Writer) { w.limiter = l } }

// WithWriteRate tells the Writer how many writes a second its Limiter allows, so that the
// heartbeat refreshes of a large fleet stay within a share of it (see SetFleetSize).
func WithWriteRate(qps float64) Option { return func(w *Writer) { w.writeRate = qps } }

// NewWriter returns a Writer patching through c. reader reads a VA afresh after a
// conflict; it should be uncached (the manager's API reader). recorder receives the
// condition events. The heartbeat is DefaultHeartbeat unless an option says otherwise.
func NewWriter(c client.Client, reader client.Reader, recorder events.EventRecorder, opts ...Option) *Writer {
	w := &Writer{client: c, reader: reader, recorder: recorder, heartbeat: DefaultHeartbeat}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Mutation changes a status in place.
type Mutation func(*v1alpha1.VariantAutoscalingStatus)

// Result is what Update did.
type Result struct {
	// VA is the VariantAutoscaling as written, or as cached when nothing needed writing;
	// nil when the VA no longer exists.
	VA *v1alpha1.VariantAutoscaling
	// Wrote reports that a status patch was sent and accepted.
	Wrote bool
}

// Update applies mutate to a copy of the cached VA's status and writes the result when
// its content changed. Content means everything but two kinds of detail that move every
// cycle without changing what the status says: the figures in condition messages (live
// signal values, ages: "spare KV 0.11", "in flight for 30s"; compared with every digit run
// masked) and status.desiredOptimizedAlloc.lastRunTime. Those are refreshed with any
// other change, and on their own only when the heartbeat is due: when mutate moved
// lastRunTime and one of the VA's heartbeat instants passed since the written one. Each VA
// refreshes once per period (Heartbeat) at its own phase, from its UID, so that VAs
// written together refresh spread out rather than all in one cycle. A mutation that leaves
// lastRunTime alone (the safety net, which keeps the time of the last real decision) never
// writes for figures alone.
//
// For every condition whose status or reason changed it records an event (Normal when the
// condition became True, Warning otherwise). cached is never modified.
func (w *Writer) Update(ctx context.Context, cached *v1alpha1.VariantAutoscaling, now time.Time, mutate Mutation) (Result, error) {
	cur := cached
	for attempt := 0; ; attempt++ {
		next := cur.Status.DeepCopy()
		mutate(next)
		if !w.needsWrite(cur, next, now) {
			return Result{VA: cur}, nil
		}
		va := cur.DeepCopy()
		va.Status = *next
		if w.limiter != nil {
			if err := w.limiter.Wait(ctx); err != nil {
				return Result{}, fmt.Errorf("write status of VariantAutoscaling %s/%s: %w", cur.Namespace, cur.Name, err)
			}
		}
		err := w.client.Status().Patch(ctx, va, client.MergeFromWithOptions(cur, client.MergeFromWithOptimisticLock{}))
		switch {
		case err == nil:
			w.recordConditionEvents(va, changedConditions(cur.Status.Conditions, va.Status.Conditions))
			return Result{VA: va, Wrote: true}, nil
		case apierrors.IsNotFound(err):
			return Result{}, nil
		case apierrors.IsConflict(err) && attempt < conflictRetries:
			fresh := &v1alpha1.VariantAutoscaling{}
			if err := w.reader.Get(ctx, client.ObjectKeyFromObject(cur), fresh); err != nil {
				if apierrors.IsNotFound(err) {
					return Result{}, nil
				}
				return Result{}, fmt.Errorf("read VariantAutoscaling %s/%s after a conflict: %w", cur.Namespace, cur.Name, err)
			}
			cur = fresh
		default:
			return Result{}, fmt.Errorf("write status of VariantAutoscaling %s/%s: %w", cur.Namespace, cur.Name, err)
		}
	}
}

// needsWrite reports whether next differs from the VA's status in content, or only in
// figures and lastRunTime with the heartbeat due.
func (w *Writer) needsWrite(cur *v1alpha1.VariantAutoscaling, next *v1alpha1.VariantAutoscalingStatus, now time.Time) bool {
	if equality.Semantic.DeepEqual(&cur.Status, next) {
		return false
	}
	if !equality.Semantic.DeepEqual(withoutDetail(&cur.Status), withoutDetail(next)) {
		return true
	}
	old, stamp := cur.Status.DesiredOptimizedAlloc.LastRunTime, next.DesiredOptimizedAlloc.LastRunTime
	if stamp == nil || (old != nil && old.Equal(stamp)) {
		return false // figures alone, and the mutation keeps the time: nothing to report
	}
	return old == nil || w.heartbeatDue(cur, old.Time, now)
}

// heartbeatDue reports whether a lastRunTime written at last is due for a refresh at now.
// A VA refreshes at its own phase of a refresh period of two thirds of the heartbeat h
// (refreshInstant), at the first such instant at least a third of h after its last write:
// so at most h after it, every two thirds of h while nothing else changes, and never in
// the first third of h after a start, whose first cycle writes every VA.
func (w *Writer) heartbeatDue(va *v1alpha1.VariantAutoscaling, last, now time.Time) bool {
	h := w.Heartbeat()
	if h <= 0 {
		return false
	}
	return !refreshInstant(va, refreshPeriod(h), now).Before(last.Add(h - refreshPeriod(h)))
}

// refreshPeriod is how often a steady VA refreshes under heartbeat h: two thirds of it,
// at least a nanosecond (the phase arithmetic divides by it).
func refreshPeriod(h time.Duration) time.Duration { return max(h/3*2, time.Nanosecond) }

// withoutDetail is a status without lastRunTime and with every digit run in condition
// messages masked: what must change for a write to be worth it.
func withoutDetail(st *v1alpha1.VariantAutoscalingStatus) *v1alpha1.VariantAutoscalingStatus {
	out := st.DeepCopy()
	out.DesiredOptimizedAlloc.LastRunTime = nil
	for i := range out.Conditions {
		out.Conditions[i].Message = maskDigits(out.Conditions[i].Message)
	}
	return out
}

// maskDigits replaces every run of decimal digits with '#'.
func maskDigits(s string) string {
	b := make([]byte, 0, len(s))
	inRun := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			if !inRun {
				b = append(b, '#')
			}
			inRun = true
			continue
		}
		inRun = false
		b = append(b, c)
	}
	return string(b)
}

// refreshInstant is the last of the VA's refresh instants of period h at or before now.
// Each VA has its own phase in the period (from its UID, FNV-1a), and its instants are that
// phase in every period of absolute time: however the VAs were written (all in one cycle
// after a start), their refreshes are spread evenly over the period, one per VA per period.
// A period twice as long keeps every other instant of the same grid.
func refreshInstant(va *v1alpha1.VariantAutoscaling, h time.Duration, now time.Time) time.Time {
	var x uint64 = 14695981039346656037
	for i := 0; i < len(va.UID); i++ {
		x ^= uint64(va.UID[i])
		x *= 1099511628211
	}
	phase := int64(x % uint64(h))
	n := now.UnixNano() - phase
	k := n / int64(h)
	if n < 0 && n%int64(h) != 0 {
		k-- // floor
	}
	return time.Unix(0, k*int64(h)+phase).UTC()
}

// recordConditionEvents records one event per changed condition.
func (w *Writer) recordConditionEvents(va *v1alpha1.VariantAutoscaling, changed []metav1.Condition) {
	for _, c := range changed {
		kind := "Warning"
		if c.Status == metav1.ConditionTrue {
			kind = "Normal"
		}
		w.recorder.Eventf(va, nil, kind, c.Reason, "Update"+c.Type, "%s is %s: %s", c.Type, c.Status, c.Message)
	}
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

// heartbeatShare is the part of the write rate (WithWriteRate) that heartbeat refreshes
// may take: a quarter, so that three quarters stay for the writes that carry news.
const heartbeatShare = 4

// SetFleetSize tells the Writer how many VAs it writes for; the engine calls it every
// cycle. See Heartbeat.
func (w *Writer) SetFleetSize(n int) { w.fleet.Store(int64(n)) }

// ConfiguredHeartbeat is the heartbeat asked for (WithHeartbeat), before any stretching.
func (w *Writer) ConfiguredHeartbeat() time.Duration { return w.heartbeat }

// Heartbeat is the heartbeat in force (how old lastRunTime may grow): the configured one
// (WithHeartbeat), doubled as often as needed for the fleet's refreshes (one per VA every
// two thirds of it) to take at most a quarter of the write rate: with the default 5
// minutes and 50 writes a second, lastRunTime is at most 5 minutes old up to 2,500 VAs,
// 20 minutes for 10,000. Doubling keeps each VA's instants on the same grid, so a growing
// fleet adds no refresh. Zero stays zero.
func (w *Writer) Heartbeat() time.Duration {
	h := w.heartbeat
	if h <= 0 || w.writeRate <= 0 {
		return h
	}
	budget := w.writeRate / heartbeatShare // refreshes a second
	for n := float64(w.fleet.Load()); n/refreshPeriod(h).Seconds() > budget && h < maxHeartbeat; {
		h *= 2
	}
	return h
}

// maxHeartbeat bounds the stretched period (a fleet no write rate could refresh).
const maxHeartbeat = 7 * 24 * time.Hour
