package engine

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// DefaultWorkers is how many variants' writes (status, direct scaling) a cycle carries
// out at once when Options.Workers is not set.
const DefaultWorkers = 8

// PodLister finds a Deployment's live Pods, e.g. collector.Mapper from the cache's indexes.
type PodLister interface {
	PodsOf(ctx context.Context, namespace, deployment string) ([]*corev1.Pod, error)
}

// Options wire an Engine. Everything is required except Scaler, Pods, Workers,
// ConfigSynced and RESTMapper.
type Options struct {
	// Reader reads VAs, Deployments, autoscalers and nodes; the manager's cache. The
	// engine lists without deep copies and treats what it reads as read-only.
	Reader client.Reader
	// Pods finds each target's Pods; nil: targets have no Pods (tests that need none).
	Pods PodLister
	// Signals collects per-replica signals.
	Signals Signals
	// Settings is the configuration in force.
	Settings Settings
	// Status writes VA status and events.
	Status *status.Writer
	// Metrics publishes the wva_* series.
	Metrics *actuator.Metrics
	// Scaler, when set, applies decisions directly (direct actuation mode).
	Scaler *actuator.Scaler
	// Recorder records events on targets.
	Recorder events.EventRecorder
	// Clock gives the time; a fake clock in tests.
	Clock clock.WithTicker
	// LimitGPUs grants scale-ups only from the GPUs free on the nodes of each
	// accelerator type (WVA_LIMITED_MODE).
	LimitGPUs bool
	// ConfigSynced, when set, is closed once the dynamic configuration has been read; the
	// first cycle waits for it so it never decides on built-in defaults by mistake.
	ConfigSynced <-chan struct{}
	// Hybrid, when set, runs the HYBRID mode (EXPERIMENTAL_PROACTIVE_MODEL=true): the
	// model-based optimiser after the saturation analyser, whose answer stays a floor.
	// Signals must then read the load window (CollectorSignals.LoadWindow). Nil is the
	// CAPACITY-ONLY mode.
	Hybrid HybridSettings
	// HybridTuning are the optimiser's settings in HYBRID mode (zero fields: the
	// defaults); KeepWarm comes from EXPERIMENTAL_PROACTIVE_KEEP_WARM.
	HybridTuning decision.ProactiveSettings
	// RESTMapper, when set, tells whether the KEDA ScaledObject and the InferencePool CRDs
	// are installed; only then are they read (as unstructured, through Reader). Nil: HPAs
	// only, and gateway queues matched to models by namespace and name.
	RESTMapper meta.RESTMapper
	// Demand, when set, reads the gateway's queue for the scale-from-zero fast path.
	Demand collector.DemandSource
	// WakeInterval is how often the fast path checks the models at zero
	// (SCALE_FROM_ZERO_INTERVAL); zero, or no Demand, turns it off.
	WakeInterval time.Duration
	// Workers bounds how many variants' writes run at once; DefaultWorkers when zero. The
	// writes themselves are paced by the limiter of Status and Scaler.
	Workers int
	// DeletionCosts, when set, marks the replicas with the least work in flight to go first
	// before a scale-down (DRAIN_AWARE_SCALE_DOWN).
	DeletionCosts *actuator.DeletionCosts
	// PeakWindow is the window the collector takes saturation peaks over; after a model's
	// signals fail, its scale-downs wait this long once they are back. Zero: no wait.
	PeakWindow time.Duration
}

// Engine runs the decision cycle. Start it with a manager: it only runs on the leader.
type Engine struct {
	opts       Options
	trigger    chan string
	flights    *flights
	recoveries *recoveries
	// zero holds the models the scale-from-zero fast path watches.
	zero *zeroSet
	// applyMu keeps the cycle and the fast path from carrying out decisions for the same
	// model at once: the cycle's writers share it (read lock), one model's writes at a
	// time, and the fast path holds it alone while it decides and applies a wake-up.
	applyMu sync.RWMutex
	hybrid  *hybridMemory
	// heartbeat is the status heartbeat last in force (fleetSize); the cycle alone
	// reads and writes it.
	heartbeat time.Duration

	// apis remembers which optional APIs (KEDA, InferencePools) discovery found.
	apis apiPresence
}

// New returns an Engine.
func New(opts Options) *Engine {
	return &Engine{opts: opts, trigger: make(chan string, 1), flights: newFlights(), recoveries: newRecoveries(), zero: newZeroSet(), hybrid: newHybridMemory()}
}

// Trigger asks for a cycle as soon as possible, e.g. because a target appeared. Calls
// coalesce: many triggers while a cycle runs cause one more cycle.
func (e *Engine) Trigger(reason string) {
	select {
	case e.trigger <- reason:
	default:
	}
}

// NeedLeaderElection makes the engine run on the leader only: one replica decides and acts.
func (e *Engine) NeedLeaderElection() bool { return true }

// Start runs cycles until ctx ends: at once, then every interval, early on a trigger, and
// with a new period as soon as the interval setting changes.
func (e *Engine) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithName("engine")
	ctx = log.IntoContext(ctx, logger)
	intervals, stopIntervals := e.opts.Settings.IntervalChanges()
	defer stopIntervals()
	changes, stopChanges := e.opts.Settings.Changes()
	defer stopChanges()

	if e.opts.ConfigSynced != nil {
		select {
		case <-e.opts.ConfigSynced:
		case <-ctx.Done():
			return nil
		}
	}
	interval := e.opts.Settings.Interval()
	fast := e.opts.Demand != nil && e.opts.WakeInterval > 0
	logger.Info("Decision engine started", "interval", interval.String(), "scaleFromZeroFastPath", fast)
	e.RunOnce(ctx, "start")
	if fast {
		var wg sync.WaitGroup
		wg.Go(func() { e.wakeLoop(ctx) })
		defer wg.Wait()
	}
	timer := e.opts.Clock.NewTimer(interval)
	defer timer.Stop()
	for {
		reason := "interval"
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C():
		case reason = <-e.trigger:
		case interval = <-intervals:
			// The next cycle follows the new interval; the log line comes from the
			// configuration watcher.
			resetTimer(timer, interval)
			continue
		case <-changes:
			reason = "configuration changed"
		}
		e.RunOnce(ctx, reason)
		resetTimer(timer, interval)
	}
}

func resetTimer(t clock.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C():
		default:
		}
	}
	t.Reset(d)
}
