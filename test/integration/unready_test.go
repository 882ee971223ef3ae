package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
)

// TestCrashLoopingAndNotReadyPodsAreNeverCapacity: three replicas of a model, all
// needed; mid-run kwok shows one crash-looping
// (container in CrashLoopBackOff after restarts, not Ready: its server stopped reporting,
// so its series go stale in Prometheus) and one NotReady (readiness failing while it
// still reports an idle page), while the third serves on. Taken for capacity, the idle pair would let WVA remove
// replicas; WVA counts only the serving replica as ready, holds the other two as pending,
// and never scales down.
func TestCrashLoopingAndNotReadyPodsAreNeverCapacity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	pods := faultVariant(t, ns, 3)
	serving, crashing, unready := pods[0], pods[1], pods[2]
	// Before the faults all three serve a load that needs them all (1.8 over two would be
	// 0.9 > 0.8): WVA holds three.
	setLoad(ns, pods, 0.6, 0)
	m := startManager(t, "unready-"+ns, "GLOBAL_OPT_INTERVAL=2s", "ACTUATION_MODE=direct", "CONTROLLER_INSTANCE="+ns)
	for _, d := range waitDecisions(t, m, ns, 0, 2) {
		if !strings.Contains(d, `"desiredReplicas":3,`) {
			t.Fatalf("before the faults WVA does not hold 3 replicas: %s", d)
		}
	}
	s.exp.set(ns, serving.Name, model, 0.5, 0)
	s.exp.set(ns, unready.Name, model, 0.01, 0) // still reporting, idle: it gets no traffic
	for _, p := range []struct {
		pod   corev1.Pod
		fault string
	}{{crashing, localenv.FaultCrashLoop}, {unready, localenv.FaultNotReady}} {
		patch := client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, localenv.FaultAnnotation, p.fault)))
		if err := s.client.Patch(ctx, &p.pod, patch); err != nil {
			t.Fatal(err)
		}
	}
	s.exp.remove(ns, crashing.Name, model) // a crashed server serves no page
	// kwok shows the faults as a kubelet would.
	eventually(t, patience, func() error {
		var c corev1.Pod
		if err := s.client.Get(ctx, client.ObjectKeyFromObject(&crashing), &c); err != nil {
			return err
		}
		if why := notReady(&c); why == "" || len(c.Status.ContainerStatuses) == 0 ||
			c.Status.ContainerStatuses[0].State.Waiting == nil || c.Status.ContainerStatuses[0].State.Waiting.Reason != "CrashLoopBackOff" ||
			c.Status.ContainerStatuses[0].RestartCount == 0 {
			return fmt.Errorf("pod %s is not crash-looping yet: %+v", c.Name, c.Status.ContainerStatuses)
		}
		var u corev1.Pod
		if err := s.client.Get(ctx, client.ObjectKeyFromObject(&unready), &u); err != nil {
			return err
		}
		if notReady(&u) == "" || u.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("pod %s is not Running and NotReady yet", u.Name)
		}
		return nil
	})
	faulted := len(m.Log())

	// Decisions taken once the faults show: one ready replica of three, none removed.
	var lines []string
	eventually(t, patience, func() error {
		lines = logLines(m.Log()[faulted:], `"msg":"Scaling decision"`, `"namespace":"`+ns+`"`, `"readyReplicas":1,`)
		if len(lines) < 4 {
			return fmt.Errorf("%d decisions with one ready replica, want 4", len(lines))
		}
		return nil
	})
	for _, l := range lines {
		if !strings.Contains(l, `"currentReplicas":3,`) || !strings.Contains(l, `"desiredReplicas":3,`) {
			t.Errorf("decision with the crash-looping and NotReady replicas: %s; want 3 current and 3 desired", l)
		}
	}
	if got := specReplicas(t, ns); got != 3 {
		t.Errorf("replicas %d, want 3: WVA scaled down on replicas that are not capacity", got)
	}
	for _, l := range logLines(m.Log()[faulted:], `"namespace":"`+ns+`"`, `"msg":"Scaled target directly"`) {
		t.Errorf("scale write with the faults: %s", l)
	}
	reason := lines[len(lines)-1]
	if i := strings.Index(reason, `"reason":`); i >= 0 {
		reason = reason[i:]
	}
	t.Logf("FAULT unready-pods: one crash-looping (CrashLoopBackOff, restarts 5), one NotReady: %d decisions with readyReplicas 1 of 3, desired 3, no scale write; last %s", len(lines), reason)
}
