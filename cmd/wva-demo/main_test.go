package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildDemo builds the demo binary as `make demo` does.
func buildDemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wva-demo")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// processesUsing lists the live processes whose command line mentions dir.
func processesUsing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(dir)) {
			continue
		}
		out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return out
}

func TestCtrlCStopsEveryProcessTheDemoStarted(t *testing.T) {
	bin := buildDemo(t)
	dir := filepath.Join(t.TempDir(), "env")
	tools, err := filepath.Abs("../../bin/tools")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--dir", dir, "--repo", "../..", "--tools", tools)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	up := make(chan string, 1)
	var seen strings.Builder
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(strings.TrimSpace(sc.Text()), "export KUBECONFIG=") {
				up <- strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export KUBECONFIG=")
			}
		}
	}()
	var kubeconfig string
	select {
	case kubeconfig = <-up:
	case <-time.After(4 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("demo never printed its KUBECONFIG line\nstdout:\n%s\nstderr:\n%s", seen.String(), stderr.String())
	}
	if running := processesUsing(t, dir); len(running) < 5 {
		t.Fatalf("expected the control plane's processes to be running, found %d:\n%s", len(running), strings.Join(running, "\n"))
	}
	// The sample VA is there for kubectl.
	out, err := exec.Command(filepath.Join(tools, "kubectl"), "--kubeconfig", kubeconfig, "get", "va", "-n", "default", "-o", "name").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "variantautoscaling.llmd.ai/llama-8b-h100") {
		t.Fatalf("kubectl get va: %v\n%s", err, out)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo exited with %v after Ctrl-C\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("demo did not stop within 2 minutes of Ctrl-C")
	}
	if left := processesUsing(t, dir); len(left) > 0 {
		t.Fatalf("processes left behind after Ctrl-C:\n%s", strings.Join(left, "\n"))
	}
}
