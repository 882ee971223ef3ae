package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
)

const instanceLabel = "wva.llmd.ai/controller-instance"

// Two installs with different CONTROLLER_INSTANCE values each manage only the VAs
// labelled for them, and label their series; an install without an instance leaves
// labelled VAs alone.
func TestControllerInstancesManageOnlyTheirOwnVAs(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	a := startManager(t, "instance-a", "GLOBAL_OPT_INTERVAL=3s", "CONTROLLER_INSTANCE=a")
	b := startManager(t, "instance-b", "GLOBAL_OPT_INTERVAL=3s", "CONTROLLER_INSTANCE=b")
	for _, v := range []struct{ name, instance string }{{"for-a", "a"}, {"for-b", "b"}, {"for-none", ""}} {
		if err := s.client.Create(ctx, newDeployment(ns, v.name, "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{}
		if v.instance != "" {
			labels[instanceLabel] = v.instance
		}
		if err := s.client.Create(ctx, newVA(ns, v.name, "m-"+v.name, v.name, "10", labels)); err != nil {
			t.Fatal(err)
		}
	}
	wantCondition(t, ns, "for-a", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	wantCondition(t, ns, "for-b", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	eventually(t, patience, func() error {
		ma, mb := metricsOf(t, a), metricsOf(t, b)
		la, okA := seriesLine(ma, "wva_desired_replicas", ns, "for-a")
		lb, okB := seriesLine(mb, "wva_desired_replicas", ns, "for-b")
		if !okA || !strings.Contains(la, `controller_instance="a"`) || !okB || !strings.Contains(lb, `controller_instance="b"`) {
			return fmt.Errorf("instance series missing: a=%q b=%q", la, lb)
		}
		return nil
	})
	ma, mb := metricsOf(t, a), metricsOf(t, b)
	for _, other := range []string{"for-b", "for-none"} {
		if l, ok := seriesLine(ma, "wva_desired_replicas", ns, other); ok {
			t.Errorf("instance a exports a series of %s: %s", other, l)
		}
	}
	for _, other := range []string{"for-a", "for-none"} {
		if l, ok := seriesLine(mb, "wva_desired_replicas", ns, other); ok {
			t.Errorf("instance b exports a series of %s: %s", other, l)
		}
	}
	// Nobody manages the unlabelled VA while only instance controllers run.
	if st := getVA(t, ns, "for-none").Status; len(st.Conditions) != 0 {
		t.Errorf("an instance controller wrote the unlabelled VA's status: %+v", st.Conditions)
	}

	// An unlabelled controller takes the unlabelled VA and leaves the labelled ones alone.
	plain := startManager(t, "no-instance", "GLOBAL_OPT_INTERVAL=3s")
	wantCondition(t, ns, "for-none", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	eventually(t, patience, func() error {
		if _, ok := seriesLine(metricsOf(t, plain), "wva_desired_replicas", ns, "for-none"); !ok {
			return fmt.Errorf("no series for the unlabelled VA")
		}
		return nil
	})
	mp := metricsOf(t, plain)
	for _, other := range []string{"for-a", "for-b"} {
		if l, ok := seriesLine(mp, "wva_desired_replicas", ns, other); ok {
			t.Errorf("the unlabelled controller exports a series of %s: %s", other, l)
		}
	}
	if strings.Contains(mp, "controller_instance") {
		t.Error("the unlabelled controller labels its series with controller_instance")
	}
}

// Two replicas of one install: only the leader decides; killed, the other takes over
// within the lease duration.
func TestLeaderElectionHandsOverWhenTheLeaderDies(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	id := "wva-it-" + ns
	common := []string{"GLOBAL_OPT_INTERVAL=3s", "ENABLE_LEADER_ELECTION=true", "LEADER_ELECTION_ID=" + id, "CONTROLLER_INSTANCE=" + ns}
	first := startManager(t, "replica-1", common...)
	leader := func() string {
		var lease coordinationv1.Lease
		if err := s.client.Get(ctx, types.NamespacedName{Namespace: systemNamespace, Name: id}, &lease); err != nil || lease.Spec.HolderIdentity == nil {
			return ""
		}
		return *lease.Spec.HolderIdentity
	}
	eventually(t, patience, func() error {
		if leader() == "" || !strings.Contains(first.Log(), "Decision engine started") {
			return fmt.Errorf("replica-1 not leading yet (holder %q)", leader())
		}
		return nil
	})
	firstHolder := leader()
	second := startManager(t, "replica-2", common...)

	if err := s.client.Create(ctx, newDeployment(ns, "llama", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Create(ctx, newVA(ns, "llama", model, "llama", "10", map[string]string{instanceLabel: ns})); err != nil {
		t.Fatal(err)
	}
	wantCondition(t, ns, "llama", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	eventually(t, patience, func() error {
		if _, ok := seriesLine(metricsOf(t, first), "wva_desired_replicas", ns, "llama"); !ok {
			return fmt.Errorf("the leader publishes no wva_desired_replicas for the variant")
		}
		return nil
	})
	if strings.Contains(second.Log(), "Decision engine started") || strings.Contains(second.Log(), `"variant":"llama"`) {
		t.Fatal("the follower decided while the leader was alive")
	}
	if l, ok := seriesLine(metricsOf(t, second), "wva_desired_replicas", ns, "llama"); ok {
		t.Fatalf("the follower publishes a decision: %s", l)
	}

	killed := time.Now()
	first.Kill()
	eventually(t, patience, func() error {
		if h := leader(); h == "" || h == firstHolder || !strings.Contains(second.Log(), "Decision engine started") {
			return fmt.Errorf("replica-2 not leading yet (holder %q)", h)
		}
		return nil
	})
	t.Logf("replica-2 took over %.1fs after the leader was killed", time.Since(killed).Seconds())
	// The new leader decides and publishes.
	eventually(t, patience, func() error {
		if _, ok := seriesLine(metricsOf(t, second), "wva_desired_replicas", ns, "llama"); !ok {
			return fmt.Errorf("the new leader publishes no wva_desired_replicas for the variant")
		}
		return nil
	})
}

// WATCH_NAMESPACES limits the controller to the listed namespaces.
func TestWatchNamespacesScopesTheController(t *testing.T) {
	watched, other := newNamespace(t), newNamespace(t)
	ctx := context.Background()
	m := startManager(t, "scoped", "GLOBAL_OPT_INTERVAL=3s", "WATCH_NAMESPACES="+watched, "CONTROLLER_INSTANCE=scoped-"+watched)
	for _, ns := range []string{watched, other} {
		if err := s.client.Create(ctx, newDeployment(ns, "llama", "NVIDIA-H100-80GB-HBM3", 1)); err != nil {
			t.Fatal(err)
		}
		if err := s.client.Create(ctx, newVA(ns, "llama", model, "llama", "10", map[string]string{instanceLabel: "scoped-" + watched})); err != nil {
			t.Fatal(err)
		}
	}
	wantCondition(t, watched, "llama", v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonTargetFound, patience)
	eventually(t, patience, func() error {
		if _, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", watched, "llama"); !ok {
			return fmt.Errorf("no series for the watched namespace")
		}
		return nil
	})
	if st := getVA(t, other, "llama").Status; len(st.Conditions) != 0 {
		t.Errorf("the VA in an unwatched namespace got status: %+v", st.Conditions)
	}
	if l, ok := seriesLine(metricsOf(t, m), "wva_desired_replicas", other, "llama"); ok {
		t.Errorf("series for an unwatched namespace: %s", l)
	}
}
