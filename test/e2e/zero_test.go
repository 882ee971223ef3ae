package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// Scale to zero through the HPA: a model with no traffic during the retention period
// (10 s here, from model-scale-to-zero-config) gets wva_desired_replicas 0, and the
// documented HPA with minReplicas 0 (HPAScaleToZero) takes the Deployment to zero.
func TestScaleToZeroThroughHPA(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "5s", "enable_scale_to_zero: true\nretention_period: 10s\n")
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	createHPA(t, ns, name, 0, 5)
	m := startManager(t, ns, s.prom.URL, true, "METRICS_PEAK_WINDOW="+idlePeakWindow.String())
	eventually(t, "WVA decides zero for the idle model", 3*time.Minute, func() error {
		if d := desired(m, name); d != 0 {
			return fmt.Errorf("wva_desired_replicas %v", d)
		}
		return nil
	})
	eventually(t, "the HPA takes the Deployment to zero", 3*time.Minute, func() error {
		spec, _, err := replicas(t, ns, name)
		if err != nil || spec != 0 {
			var h autoscalingv2.HorizontalPodAutoscaler
			_ = s.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &h)
			return fmt.Errorf("spec %d (%v); HPA current metrics %+v desired %d", spec, err, h.Status.CurrentMetrics, h.Status.DesiredReplicas)
		}
		return nil
	})
}

// Light traffic keeps a model whose scale to zero is enabled: about one small request a
// second through the gateway, a 15 s retention period, direct actuation (so a wrong
// decision would show as 0 replicas). The zero policy's verdict in WVA's log must say it
// counted the successful requests: a model kept only because its success data was
// missing would not pass, and neither would a success count that always read 0.
func TestLightTrafficKeepsAModelWithScaleToZero(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	dumpOnFailure(t, ns)
	const name = "llama-h100"
	configMaps(t, ns, "5s", "enable_scale_to_zero: true\nretention_period: 15s\n")
	createDeployment(t, ns, name, h100, 1)
	createVA(t, ns, name, "H100", "20.0")
	// The load starts before the replica is Ready: the gateway holds the first requests,
	// so successes are counted from the replica's first moments.
	url, _ := startGateway(t, ns)
	schedule, err := loadgen.Synthetic(loadgen.Pattern{Kind: loadgen.Poisson, Rate: 1, Duration: time.Hour,
		PromptTokens: 64, OutputTokens: 16, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan loadgen.Summary, 1)
	go func() {
		sum, _ := loadgen.Run(ctx, loadgen.Config{BaseURL: url, Model: model, MaxConcurrency: 20, Logger: slog.New(slog.DiscardHandler)}, schedule)
		done <- sum
	}()
	t.Cleanup(cancel)
	m := startManager(t, ns, s.prom.URL, false, "ACTUATION_MODE=direct")

	eventually(t, "the zero policy counts the successful requests", 3*time.Minute, func() error {
		if !countedSuccesses.MatchString(m.Log()) {
			return fmt.Errorf("no verdict from counted successes yet; verdicts so far: %q", zeroVerdicts(m.Log()))
		}
		return nil
	})
	counted := time.Now()
	consistently(t, "the model keeps its replica through two retention periods of light traffic", 35*time.Second, func() error {
		if spec, _, err := replicas(t, ns, name); err == nil && spec == 0 {
			return fmt.Errorf("scaled to zero under light traffic; verdicts: %q", zeroVerdicts(m.Log()))
		}
		if d := desired(m, name); d == 0 {
			return fmt.Errorf("wva_desired_replicas 0 under light traffic; verdicts: %q", zeroVerdicts(m.Log()))
		}
		return nil
	})
	cancel()
	sum := <-done
	if sum.Succeeded < 20 || sum.Failed > 0 {
		t.Errorf("light load: %d succeeded, %d failed (%v); want every request served", sum.Succeeded, sum.Failed, sum.Errors)
	}
	t.Logf("traffic verdicts for %.0fs after the first: %d cycles, %d requests served", time.Since(counted).Seconds(),
		len(countedSuccesses.FindAllString(m.Log(), -1)), sum.Succeeded)
}

// zeroVerdicts lists the distinct zero-policy verdicts of a WVA log, in order.
func zeroVerdicts(log string) []string {
	var out []string
	for _, m := range zeroVerdict.FindAllStringSubmatch(log, -1) {
		if len(out) == 0 || out[len(out)-1] != m[1] {
			out = append(out, m[1])
		}
	}
	return out
}

var (
	zeroVerdict = regexp.MustCompile(`"zeroPolicy":"([^"]*)"`)
	// countedSuccesses is a verdict resting on successful requests counted over the
	// retention period (not on requests seen running at the sample time).
	countedSuccesses = regexp.MustCompile(`"zeroPolicy":"traffic: [0-9.]+ successful request`)
)
