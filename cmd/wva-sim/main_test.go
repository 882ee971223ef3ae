package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testConfig = `
seed: 2
load:
  pattern: {kind: step, rate: 2, rate2: 12, duration: 6m, promptTokens: 800, outputTokens: 150}
models:
- name: llama
  slo: {ttft: 1s, itl: 50ms}
  variants:
  - {name: h100, profile: llama-3.1-8b-h100-80gb, cost: 3, startupDelay: 1m, minReplicas: 1, maxReplicas: 10}
policies:
- {name: wva-v1, type: wva}
- {name: hpa, type: hpa, target: 20, interval: 15s}
- {name: static-2, type: static, replicas: {h100: 2}}
`

func writeConfig(t *testing.T) (cfg, out string) {
	t.Helper()
	dir := t.TempDir()
	cfg = filepath.Join(dir, "sim.yaml")
	if err := os.WriteFile(cfg, []byte(testConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, filepath.Join(dir, "out")
}

// TestRunWritesTableJSONAndReport runs the command end to end.
func TestRunWritesTableJSONAndReport(t *testing.T) {
	cfg, out := writeConfig(t)
	var stdout, stderr bytes.Buffer
	if err := run([]string{"run", "--config", cfg, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	for _, name := range []string{"wva-v1", "hpa", "static-2", "oracle", "SLO attainment"} {
		if !strings.Contains(stdout.String(), name) {
			t.Errorf("table lacks %q:\n%s", name, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "wall time") {
		t.Errorf("no summary line on stderr:\n%s", stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Policies []struct{ Name string } `json:"policies"`
	}
	if err := json.Unmarshal(data, &res); err != nil || len(res.Policies) != 4 {
		t.Fatalf("result.json: %v, %d policies", err, len(res.Policies))
	}
	page, err := os.ReadFile(filepath.Join(out, "result.html"))
	if err != nil || !strings.Contains(string(page), "<svg") {
		t.Fatalf("result.html: %v", err)
	}
	var md bytes.Buffer
	if err := run([]string{"run", "--config", cfg, "--out", out, "--markdown", "--quiet"}, &md, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(md.String(), "| policy |") {
		t.Errorf("markdown table:\n%s", md.String())
	}
}

// TestSweepCommand sweeps a threshold and writes its page.
func TestSweepCommand(t *testing.T) {
	cfg, out := writeConfig(t)
	var stdout, stderr bytes.Buffer
	args := []string{"sweep", "--config", cfg, "--out", out, "--policy", "hpa", "--param", "target", "--values", "10, 30", "--quiet"}
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("sweep: %v\n%s", err, stderr.String())
	}
	if lines := strings.Count(stdout.String(), "\n"); lines != 3 {
		t.Errorf("sweep table has %d lines, want header + 2:\n%s", lines, stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "sweep.html")); err != nil {
		t.Error(err)
	}
}

// TestUsageErrors: missing subcommand, config or values are errors, not panics.
func TestUsageErrors(t *testing.T) {
	cfg, _ := writeConfig(t)
	for _, args := range [][]string{
		nil, {"bogus"}, {"run"}, {"sweep", "--config", cfg, "--policy", "hpa", "--param", "target"},
		{"run", "--config", filepath.Join(t.TempDir(), "missing.yaml")},
	} {
		if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestSuiteCommand runs a two-scenario suite end to end: the table, the JSON, the
// report, the checks; and the quick form and the scenario filter.
func TestSuiteCommand(t *testing.T) {
	dir := t.TempDir()
	scenario := `# A step, for the command's test.
seed: 3
load:
  pattern: {kind: step, rate: 2, rate2: 10, duration: 6m, promptTokens: 600, outputTokens: 120}
models:
- name: llama
  slo: {ttft: 1s, itl: 50ms}
  variants:
  - {name: h100, profile: llama-3.1-8b-h100-80gb, cost: 3, startupDelay: 1m, minReplicas: 1, maxReplicas: 10}
`
	suite := `policies:
- {name: hpa, type: hpa, target: 20, interval: 15s}
- {name: static, type: static}
- {name: oracle, type: oracle}
scenarios:
- {file: step.yaml, short: {timeScale: 0.5}}
- {name: step-again, file: step.yaml}
`
	for name, body := range map[string]string{"step.yaml": scenario, "suite.yaml": suite} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"suite", "--config", filepath.Join(dir, "suite.yaml"), "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("suite: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"hpa tuned", "static tuned", "capacity-bound", "oracle", "step-again", "best WVA mode"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "checks hold") || !strings.Contains(stderr.String(), "wall time") {
		t.Errorf("stderr lacks the checks or the wall time:\n%s", stderr.String())
	}
	for _, f := range []string{"suite.json", "suite.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	stdout.Reset()
	if err := run([]string{"suite", "--config", filepath.Join(dir, "suite.yaml"), "--out", out, "--short", "--scenario", "step",
		"--markdown", "--quiet"}, &stdout, &stderr); err != nil {
		t.Fatalf("suite --short: %v", err)
	}
	if strings.Contains(stdout.String(), "step-again") || !strings.HasPrefix(stdout.String(), "| scenario |") {
		t.Errorf("--scenario step --markdown printed:\n%s", stdout.String())
	}
	// Re-rendering from a saved suite.json, run from another directory, rewrites the
	// report beside the file it read, not a wva-bench directory wherever it runs.
	elsewhere := filepath.Join(dir, "elsewhere")
	if err := os.Mkdir(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(out, "suite.html")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(elsewhere)
	if err := run([]string{"suite", "--from", filepath.Join(out, "suite.json"), "--quiet"}, &stdout, &stderr); err != nil {
		t.Fatalf("suite --from: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "suite.html")); err != nil {
		t.Errorf("suite --from did not re-render the report beside its suite.json: %v", err)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "wva-bench")); err == nil {
		t.Errorf("suite --from wrote %s in the working directory", filepath.Join(elsewhere, "wva-bench"))
	}
	if err := run([]string{"suite", "--config", filepath.Join(dir, "suite.yaml"), "--scenario", "nope", "--quiet"}, &stdout, &stderr); err == nil ||
		!strings.Contains(err.Error(), "known: step, step-again") {
		t.Errorf("unknown scenario: %v", err)
	}
}
