package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/demo"
)

// binaries builds the demo and the manager as `make build` does.
func binaries(t *testing.T) (demoBin, wvaBin string) {
	t.Helper()
	dir := t.TempDir()
	demoBin, wvaBin = filepath.Join(dir, "wva-demo"), filepath.Join(dir, "wva")
	for bin, pkg := range map[string]string{demoBin: ".", wvaBin: "../wva"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return demoBin, wvaBin
}

func toolsDir(t *testing.T) string {
	t.Helper()
	tools, err := filepath.Abs("../../bin/tools")
	if err != nil {
		t.Fatal(err)
	}
	return tools
}

// processesUsing lists the live processes whose command line or environment mentions
// dir: the control plane and Prometheus name it in their flags, WVA in its KUBECONFIG.
func processesUsing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(cmdline, []byte(dir)) || bytes.Contains(environ, []byte(dir)) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}

// demoRun is one wva-demo process and what it printed.
type demoRun struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    strings.Builder
	stderr bytes.Buffer
	lines  chan string
	done   chan error
}

func startDemo(t *testing.T, env []string, args ...string) *demoRun {
	t.Helper()
	bin, wva := binaries(t)
	args = append([]string{"--repo", "../..", "--tools", toolsDir(t), "--wva", wva, "--plain"}, args...)
	d := &demoRun{cmd: exec.Command(bin, args...), lines: make(chan string, 1000), done: make(chan error, 1)}
	d.cmd.Env = append(os.Environ(), env...)
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stderr = &d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			d.mu.Lock()
			d.out.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
			select {
			case d.lines <- sc.Text():
			default:
			}
		}
		close(d.lines)
		d.done <- d.cmd.Wait()
	}()
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			_ = d.cmd.Process.Kill()
		}
	})
	return d
}

func (d *demoRun) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String() + "\nstderr:\n" + d.stderr.String()
}

// waitLine waits for a line matching re and returns its submatches.
func (d *demoRun) waitLine(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-d.lines:
			if !ok {
				t.Fatalf("demo ended before printing %q\n%s", re, d.output())
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("demo did not print %q within %v\n%s", re, timeout, d.output())
		}
	}
}

// wait waits for the demo to exit and fails unless it exited cleanly.
func (d *demoRun) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	go func() {
		for range d.lines { //nolint:revive // drain
		}
	}()
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("demo exited with %v\n%s", err, d.output())
		}
	case <-time.After(timeout):
		_ = d.cmd.Process.Kill()
		t.Fatalf("demo did not end within %v\n%s", timeout, d.output())
	}
}

var (
	kubeconfigLine = regexp.MustCompile(`^\s*export KUBECONFIG=(\S+)`)
	endpointsLine  = regexp.MustCompile(`^Prometheus: (http://\S+)\s+WVA metrics: http://(\S+)/metrics\s+gateway \(OpenAI API\): http://(\S+)`)
)

// assertNothingLeft checks that no process of the run lives on and nothing listens at
// the addresses it served.
func assertNothingLeft(t *testing.T, dir string, addrs []string) {
	t.Helper()
	if left := processesUsing(t, dir); len(left) > 0 {
		t.Errorf("processes left behind:\n%s", strings.Join(left, "\n"))
	}
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			_ = c.Close()
			t.Errorf("something still listens at %s", a)
		}
	}
}

// podAddrs lists the model-server Pods' IP:8000 through kubectl, as a user would.
func podAddrs(t *testing.T, kubeconfig string) []string {
	t.Helper()
	out, err := exec.Command(filepath.Join(toolsDir(t), "kubectl"), "--kubeconfig", kubeconfig, "get", "pods", "-n", "default",
		"-l", demo.ModelLabel, "-o", "jsonpath={.items[*].status.podIP}").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl get pods: %v\n%s", err, out)
	}
	var addrs []string
	for _, ip := range strings.Fields(string(out)) {
		addrs = append(addrs, net.JoinHostPort(ip, "8000"))
	}
	return addrs
}

func TestCtrlCStopsEveryProcessTheDemoStarted(t *testing.T) {
	t.Run("during start-up", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "env")
		d := startDemo(t, nil, "--dir", dir, "--report-dir", t.TempDir())
		d.waitLine(t, regexp.MustCompile(`^Starting Prometheus`), 4*time.Minute)
		if running := processesUsing(t, dir); len(running) < 5 {
			t.Fatalf("expected the control plane's processes to be running, found %d:\n%s", len(running), strings.Join(running, "\n"))
		}
		if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		select {
		case <-d.done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("demo did not stop within 2 minutes of Ctrl-C\n%s", d.output())
		}
		assertNothingLeft(t, dir, nil)
	})
	t.Run("during the load", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "env")
		reports := t.TempDir()
		// The direct actuation path in HYBRID mode; the short form below runs the default
		// HPA path in CAPACITY-ONLY mode.
		d := startDemo(t, nil, "--dir", dir, "--report-dir", reports, "--actuation", "direct", "--mode", "hybrid")
		kubeconfig := d.waitLine(t, kubeconfigLine, 5*time.Minute)[1]
		ep := d.waitLine(t, endpointsLine, time.Minute)
		d.waitLine(t, regexp.MustCompile(`^t=\d+s phase=`), time.Minute)
		// The model's VAs are there for kubectl.
		out, err := exec.Command(filepath.Join(toolsDir(t), "kubectl"), "--kubeconfig", kubeconfig, "get", "va", "-n", "default", "-o", "name").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "variantautoscaling.llmd.ai/llama-8b-h100") || !strings.Contains(string(out), "variantautoscaling.llmd.ai/llama-8b-a100") {
			t.Fatalf("kubectl get va: %v\n%s", err, out)
		}
		checkDirectActuation(t, kubeconfig)
		// WVA is configured through its main ConfigMap, as in a cluster: editing an
		// immutable key there is rejected with a Warning event, not shadowed by the
		// environment of the demo's process.
		kubectl := func(args ...string) string {
			out, err := exec.Command(filepath.Join(toolsDir(t), "kubectl"), append([]string{"--kubeconfig", kubeconfig, "-n", "workload-variant-autoscaler-system"}, args...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return string(out)
		}
		kubectl("patch", "configmap", "workload-variant-autoscaler-variantautoscaling-config", "--type", "merge",
			"-p", `{"data":{"PROMETHEUS_BASE_URL":"https://new-prometheus:9090"}}`)
		var events string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
			if events = kubectl("get", "events", "--field-selector", "reason=ImmutableConfigChangeRejected", "-o", "jsonpath={.items[*].message}"); events != "" {
				break
			}
		}
		if !strings.Contains(events, "Attempted to change immutable parameters PROMETHEUS_BASE_URL") || strings.Contains(events, "is set by") {
			t.Errorf("editing PROMETHEUS_BASE_URL in the demo's ConfigMap gave the events %q, want one rejection that no flag or environment variable shadows", events)
		}
		// HYBRID mode: both answers and the forecast, from WVA's wva_hybrid_* series.
		hybrid := d.waitLine(t, regexp.MustCompile(`^t=\d+s hybrid: .*llama-8b-h100 capacity=\d+ model=\d+ .*forecast=`), 2*time.Minute)
		t.Logf("live view: %s", hybrid[0])
		addrs := append(podAddrs(t, kubeconfig), strings.TrimPrefix(ep[1], "http://"), ep[2], ep[3])
		if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		d.wait(t, 2*time.Minute)
		assertNothingLeft(t, dir, addrs)
		if _, err := os.Stat(filepath.Join(reports, "report.html")); err != nil {
			t.Errorf("no report after Ctrl-C: %v", err)
		}
		rec := recording(t, reports)
		if rec.Actuation != demo.ActuationDirect || rec.Mode != demo.ModeHybrid {
			t.Errorf("the report says actuation %q, mode %q; want %q, %q", rec.Actuation, rec.Mode, demo.ActuationDirect, demo.ModeHybrid)
		}
		answers := 0
		for _, s := range rec.Samples {
			if s.Hybrid != nil && s.Hybrid.HorizonSec > 0 && s.Variants[0].CapacityAnswer != nil && s.Variants[0].ModelAnswer != nil {
				answers++
			}
		}
		if answers == 0 {
			t.Errorf("no sample of %d holds HYBRID's answers and forecast", len(rec.Samples))
		}
		if page, err := os.ReadFile(filepath.Join(reports, "report.html")); err != nil || !strings.Contains(string(page), "HYBRID: capacity answer") {
			t.Errorf("the report has no HYBRID chart (%v)", err)
		}
	})
}

// checkDirectActuation checks, as a user would with kubectl, that WVA acts on the
// Deployments itself: every VA says actuation.applied, and there is no HPA.
func checkDirectActuation(t *testing.T, kubeconfig string) {
	t.Helper()
	kubectl := func(args ...string) string {
		out, err := exec.Command(filepath.Join(toolsDir(t), "kubectl"), append([]string{"--kubeconfig", kubeconfig, "-n", "default"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		applied := kubectl("get", "va", "-o", "jsonpath={.items[*].status.actuation.applied}")
		if applied == "true true" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("--actuation direct: VAs' actuation.applied = %q, want true for both", applied)
		}
		time.Sleep(time.Second)
	}
	if hpas := kubectl("get", "hpa", "-o", "name"); hpas != "" {
		t.Errorf("--actuation direct created HPAs: %s", hpas)
	}
}

// recording reads the demo's series.json.
func recording(t *testing.T, reports string) demo.Recording {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(reports, "series.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec demo.Recording
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// totals sums one replica figure over the variants of each sample.
func totals(rec demo.Recording, f func(demo.VariantSample) int) []int {
	out := make([]int, len(rec.Samples))
	for i, s := range rec.Samples {
		for _, v := range s.Variants {
			out[i] += f(v)
		}
	}
	return out
}

func TestShortDemoScalesUpDuringTheBurstAndDownAfter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "env")
	reports := t.TempDir()
	start := time.Now()
	d := startDemo(t, []string{"WVA_DEMO_SHORT=1"}, "--dir", dir, "--report-dir", reports)
	ep := d.waitLine(t, endpointsLine, 5*time.Minute)
	d.wait(t, 8*time.Minute)
	t.Logf("short demo ran in %.0fs", time.Since(start).Seconds())
	assertNothingLeft(t, dir, []string{strings.TrimPrefix(ep[1], "http://"), ep[2], ep[3]})

	rec := recording(t, reports)
	if rec.Actuation != demo.ActuationHPA {
		t.Errorf("the report says actuation %q, want the default %q", rec.Actuation, demo.ActuationHPA)
	}
	if rec.Interrupted || len(rec.Samples) < 30 {
		t.Fatalf("recording: interrupted=%v, %d samples", rec.Interrupted, len(rec.Samples))
	}
	current := totals(rec, func(v demo.VariantSample) int { return v.Current })
	peak, peakAt := 0, 0
	for i, c := range current {
		if c > peak {
			peak, peakAt = c, i
		}
	}
	first, last := current[0], current[len(current)-1]
	phase := rec.Samples[peakAt].Phase
	t.Logf("replicas: start %d, peak %d at t=%.0fs (%s), end %d; %d decisions", first, peak, rec.Samples[peakAt].T, phase, last, len(rec.Decisions))
	if peak <= first {
		t.Errorf("no scale-up: replicas stayed at %d", first)
	}
	// The peak is reached during or shortly after the burst (new replicas need time).
	if phase == "quiet" && rec.Samples[peakAt].T < rec.DurationSec/4 {
		t.Errorf("peak replicas before the burst, at t=%.0fs", rec.Samples[peakAt].T)
	}
	if last >= peak {
		t.Errorf("no scale-down after the burst: peak %d, end %d", peak, last)
	}
	var ups, downs int
	for _, dcs := range rec.Decisions {
		ups += strings.Count(dcs.Message, "scale-up")
		downs += strings.Count(dcs.Message, "scale-down")
	}
	if ups == 0 || downs == 0 {
		t.Errorf("decisions: %d scale-up, %d scale-down", ups, downs)
	}
	page, err := os.ReadFile(filepath.Join(reports, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), "<svg"); n < 8 {
		t.Errorf("report has %d plots, want 8", n)
	}
	if csv, err := os.ReadFile(filepath.Join(reports, "series.csv")); err != nil || !bytes.Contains(csv, []byte("llama-8b-a100_desired")) {
		t.Errorf("series.csv: %v", err)
	}
}

func TestParseShortFormAndPlainMode(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "WVA_DEMO_SHORT" {
			return "1", true
		}
		return "", false
	}
	o, err := parse(nil, io.Discard, env)
	if err != nil {
		t.Fatal(err)
	}
	if o.Duration != ShortDuration || !o.Plain {
		t.Errorf("WVA_DEMO_SHORT=1 to a pipe: duration %v, plain %v", o.Duration, o.Plain)
	}
	if o.Mode != demo.ModeCapacityOnly {
		t.Errorf("default mode %q, want %q", o.Mode, demo.ModeCapacityOnly)
	}
	o, err = parse([]string{"--duration", "90s", "--scenario", "trace", "--actuation", "direct", "--scale-to-zero", "--mode", "hybrid"}, io.Discard, env)
	if err != nil {
		t.Fatal(err)
	}
	if o.Duration != 90*time.Second || o.Scenario != "trace" || !o.ScaleToZero || o.Actuation != demo.ActuationDirect || o.Mode != demo.ModeHybrid {
		t.Errorf("flags: %+v", o)
	}
	if _, err := parse([]string{"--nope"}, io.Discard, env); err == nil {
		t.Error("an unknown flag was accepted")
	}
}
