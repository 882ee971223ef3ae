package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/workload-variant-autoscaler/wva/internal/localenv"
	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// adapterSampleRules are config/samples/prometheus-adapter-config.yaml's rules.
func adapterSampleRules(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config/samples/prometheus-adapter-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	return cm.Data["config.yaml"]
}

// desiredChanges are the changes of the wva_desired_replicas the managers published for a
// namespace's variant, "from->to", read from their decision lines in order (the logs are
// given in the order the managers led), starting from initial.
func desiredChanges(ns string, initial int, logs ...string) []string {
	var out []string
	last := initial
	for _, log := range logs {
		for _, l := range logLines(log, `"namespace":"`+ns+`"`, `"desiredReplicas":`) {
			if !strings.Contains(l, `"msg":"Scaling decision"`) && !strings.Contains(l, `"msg":"Safety net activated`) {
				continue
			}
			var n int
			i := strings.Index(l, `"desiredReplicas":`)
			if _, err := fmt.Sscanf(l[i:], `"desiredReplicas":%d`, &n); err != nil || n == last {
				continue
			}
			out = append(out, fmt.Sprintf("%d->%d", last, n))
			last = n
		}
	}
	return out
}

// TestLeaderKilledMidCycleInMetricsModeHPAActsOncePerDecision: two replicas of WVA in
// metrics mode on an environment of its own, a Prometheus scraping both as a cluster's
// would, prometheus-adapter serving wva_desired_replicas to the real HPA controller
// (config/samples' rules and HPA), and a model that needs three replicas. The leader is
// killed (SIGKILL) the moment it logs a scale-up; the follower takes over within the
// lease and the HPA finishes the job. The HPA's scaling actions (its SuccessfulRescale
// events, the Deployment's spec writes) are counted against WVA's decisions: one action
// per decision, none doubled by the change of leader.
func TestLeaderKilledMidCycleInMetricsModeHPAActsOncePerDecision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const ns, product = "leader-metrics", "NVIDIA-H100-leader"
	env, c, kubeconfig, _ := ownEnv(t, product)
	ownVariant(t, c, ns, product)
	history := pollSpec(t, c, ns, faultApp)
	driveLoadToThree(t, ns, func() []corev1.Pod { return readyPodsIn(c, ns, faultApp) })

	id := "wva-leader-" + ns
	start := func(name string) *harness.Manager {
		return harness.StartManager(t, harness.ManagerOptions{
			Bin: s.wvaBin, Kubeconfig: kubeconfig, Name: name,
			Env: []string{"POD_NAMESPACE=" + systemNamespace, "PROMETHEUS_BASE_URL=" + s.prom.URL, "GLOBAL_OPT_INTERVAL=2s",
				"ENABLE_LEADER_ELECTION=true", "LEADER_ELECTION_ID=" + id, "CONTROLLER_INSTANCE=" + ns},
		})
	}
	first := start("leader-metrics-1")
	eventually(t, patience, func() error {
		if !strings.Contains(first.Log(), "Decision engine started") {
			return fmt.Errorf("replica 1 not leading yet")
		}
		return nil
	})
	second := start("leader-metrics-2")

	// A Prometheus scraping both replicas as Pods of WVA's namespace, the adapter on it,
	// and the sample HPA.
	var targets []localenv.ScrapeTarget
	for _, m := range []*harness.Manager{first, second} {
		targets = append(targets, localenv.ScrapeTarget{Address: m.MetricsAddr, Labels: map[string]string{"namespace": systemNamespace, "pod": m.Name}})
	}
	prom, err := localenv.StartPrometheus(ctx, localenv.PrometheusOptions{BinDir: env.BinDir, Dir: t.TempDir(), ScrapeInterval: time.Second, Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	if _, err := localenv.StartAdapter(ctx, env, prom.URL, adapterSampleRules(t)); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, sampleHPA(t, ns, faultApp)); err != nil {
		t.Fatal(err)
	}

	killed, takeover := killLeaderAtFirstScaleUp(t, first, second, ns)
	var lease coordinationv1.Lease
	if err := c.Get(ctx, types.NamespacedName{Namespace: systemNamespace, Name: id}, &lease); err != nil {
		t.Fatal(err)
	}
	acquired := lease.Spec.AcquireTime.Sub(killed)
	eventually(t, 2*time.Minute, func() error {
		if n := len(readyPodsIn(c, ns, faultApp)); n != 3 {
			return fmt.Errorf("%d Ready replicas, want 3", n)
		}
		return nil
	})
	// A few cycles of the new leader and HPA syncs at three: nothing more to do.
	waitDecisions(t, second, ns, len(second.Log()), 5)

	decided := desiredChanges(ns, 1, first.Log(), second.Log())
	byKilled := len(desiredChanges(ns, 1, first.Log()))
	writes, changes := history.writes()
	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var rescales []string
	for _, e := range events.Items {
		if e.Reason == "SuccessfulRescale" && e.InvolvedObject.Kind == "HorizontalPodAutoscaler" {
			for range max(1, e.Count) {
				rescales = append(rescales, strings.SplitN(e.Message, ";", 2)[0])
			}
		}
	}
	var hpa autoscalingv2.HorizontalPodAutoscaler
	if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: faultApp}, &hpa); err != nil {
		t.Fatal(err)
	}
	if int(writes) != len(rescales) || len(changes) != len(rescales) {
		t.Errorf("%d spec writes on the Deployment (%v), %d SuccessfulRescale events of the HPA %v: want the same", writes, changes, len(rescales), rescales)
	}
	// Every HPA action follows one decision. The killed leader's last decision may have
	// died before Prometheus scraped it: then the HPA skips that step (1->3 for 1->2 2->3).
	if strings.Join(changes, " ") != strings.Join(decided, " ") && (len(decided)-len(changes) != 1 || strings.Join(changes, " ") != "1->3") {
		t.Errorf("replica changes by the HPA %v, changes of wva_desired_replicas %v: want one action per decision, none repeated", changes, decided)
	}
	t.Logf("FAULT leader-killed-metrics: lease acquired %.1fs and engine started %.1fs after SIGKILL (lease 15s, retry 2s); wva_desired_replicas changes %d %v (killed leader %d, new leader %d); HPA actions %d (SuccessfulRescale %q), Deployment spec writes %d %v, HPA desired %d",
		acquired.Seconds(), takeover.Seconds(), len(decided), decided, byKilled, len(decided)-byKilled, len(rescales), rescales, writes, changes, hpa.Status.DesiredReplicas)
}
