package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildWVA builds the wva binary into a temporary directory.
func buildWVA(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wva")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runWVA runs the binary with no cluster anywhere: no KUBECONFIG, an empty HOME (no
// ~/.kube/config) and no in-cluster service environment. It returns the exit code and the
// combined output.
func runWVA(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	default:
		t.Fatalf("run %s: %v", bin, err)
		return 0, ""
	}
}

// TestHelpNeedsNoCluster checks that --help works where no Kubernetes API is reachable,
// lists WVA's flags, --kubeconfig and the logging flags, and that --kubeconfig is accepted
// as in every controller-runtime manager.
func TestHelpNeedsNoCluster(t *testing.T) {
	bin := buildWVA(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"--kubeconfig=/nowhere/config", "--help"}} {
		code, out := runWVA(t, bin, nil, args...)
		if code != 0 {
			t.Errorf("wva %s exited %d, want 0:\n%s", strings.Join(args, " "), code, out)
		}
		for _, want := range []string{"-prometheus-base-url", "-metrics-addr", "-kubeconfig", "-zap-log-level"} {
			if !strings.Contains(out, want) {
				t.Errorf("wva %s does not list %s:\n%s", strings.Join(args, " "), want, out)
			}
		}
	}
	code, out := runWVA(t, bin, []string{"PROMETHEUS_BASE_URL=https://prometheus:9090"}, "--kubeconfig=/nowhere/config")
	if code != 1 || strings.Contains(out, "flag provided but not defined") || !strings.Contains(out, "/nowhere/config") {
		t.Errorf("wva --kubeconfig=/nowhere/config exited %d, want 1 naming the kubeconfig it could not read:\n%s", code, out)
	}
}

// TestSplitKubeconfigArg checks each spelling of --kubeconfig and that other flags pass.
func TestSplitKubeconfigArg(t *testing.T) {
	for _, tc := range []struct {
		args []string
		path string
		rest string
	}{
		{args: []string{"--kubeconfig=/a", "--metrics-addr=:8443"}, path: "/a", rest: "--metrics-addr=:8443"},
		{args: []string{"-kubeconfig", "/b"}, path: "/b"},
		{args: []string{"--kubeconfig-extra=1", "--help"}, rest: "--kubeconfig-extra=1 --help"},
	} {
		path, rest, err := splitKubeconfigArg(tc.args)
		if err != nil || path != tc.path || strings.Join(rest, " ") != tc.rest {
			t.Errorf("splitKubeconfigArg(%q) = %q, %q, %v; want %q, %q", tc.args, path, rest, err, tc.path, tc.rest)
		}
	}
	if _, _, err := splitKubeconfigArg([]string{"--kubeconfig"}); err == nil || !strings.Contains(err.Error(), "needs a path") {
		t.Errorf("--kubeconfig without a path: err %v, want one saying it needs a path", err)
	}
}
