package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Status is what became of a mutation.
type Status string

const (
	// Killed means a test failed: the suite noticed the mistake.
	Killed Status = "killed"
	// TimedOut means the tests did not finish in time; counted as killed (a hang is
	// noticed), but reported so a slow test can be looked at.
	TimedOut Status = "timeout"
	// Survived means every test passed with the mistake in place.
	Survived Status = "survived"
	// Invalid means the mutant did not build: the list entry is wrong, not the tests.
	Invalid Status = "invalid"
)

// Outcome is the result of one mutation.
type Outcome struct {
	Mutation Mutation
	Status   Status
	// By is the first failing test, or the build error, in one line.
	By      string
	Elapsed time.Duration
}

// job is one mutation and the go test arguments (packages, maybe -run) it runs.
type job struct {
	m    Mutation
	args []string
}

// runner applies mutations to private copies of the repository, one worker per copy,
// so the working tree is never touched and workers never see each other's mutants.
type runner struct {
	root    string
	copies  []string
	timeout time.Duration
	env     []string
	goCmd   string
	// progress receives one line per finished mutation.
	progress io.Writer
	mu       sync.Mutex
}

// newRunner copies the repository's files (tracked and untracked, not ignored) into one
// temporary directory per worker.
func newRunner(root, tmp string, workers int, timeout time.Duration, progress io.Writer) (*runner, error) {
	files, err := repoFiles(root)
	if err != nil {
		return nil, err
	}
	r := &runner{root: root, timeout: timeout, progress: progress, goCmd: "go", env: testEnv(root)}
	for i := range workers {
		dir := filepath.Join(tmp, fmt.Sprintf("copy-%d", i))
		if err := copyFiles(root, dir, files); err != nil {
			return nil, err
		}
		r.copies = append(r.copies, dir)
	}
	return r, nil
}

// repoFiles lists the files of the working tree that git does not ignore.
func repoFiles(root string) ([]string, error) {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return nil, fmt.Errorf("list the repository's files: %w", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}

// copyFiles copies files (relative to root) into dir, keeping their modes. Files listed
// by git but deleted in the working tree are skipped.
func copyFiles(root, dir string, files []string) error {
	for _, f := range files {
		src := filepath.Join(root, f)
		info, err := os.Lstat(src)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// testEnv is the environment of the tests: the caller's, plus where the repository's
// tools and the shared directory are, since the copies have neither beside them.
func testEnv(root string) []string {
	env := os.Environ()
	add := func(key, path string) {
		if os.Getenv(key) != "" {
			return
		}
		if _, err := os.Stat(path); err == nil {
			env = append(env, key+"="+path)
		}
	}
	add("WVA_TOOLS_BIN", filepath.Join(root, "bin", "tools"))
	add("KUBEBUILDER_ASSETS", filepath.Join(root, "bin", "tools"))
	add("WVA_SHARED_DIR", filepath.Join(filepath.Dir(root), "shared"))
	return env
}

// goTest runs go test with args (packages, maybe -run) in dir. -trimpath keeps the build
// cache shared between the copies; -count=1 never reuses a cached result.
func (r *runner) goTest(parent context.Context, dir string, args []string) (string, error) {
	ctx, cancel := context.WithTimeout(parent, r.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.goCmd, append([]string{"test", "-count=1", "-trimpath", "-failfast"}, args...)...)
	cmd.Dir, cmd.Env = dir, r.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	switch {
	case parent.Err() != nil:
		return out.String(), fmt.Errorf("interrupted: %w", parent.Err())
	case ctx.Err() != nil:
		return out.String(), context.DeadlineExceeded
	}
	return out.String(), err
}

// baseline runs every distinct set of tests once without mutation: a failing suite
// would make every mutant look killed.
func (r *runner) baseline(ctx context.Context, sets [][]string) error {
	for _, args := range sets {
		out, err := r.goTest(ctx, r.copies[0], args)
		if err != nil {
			return fmt.Errorf("the tests (go test %s) fail without any mutation (%w):\n%s", strings.Join(args, " "), err, tail(out, 40))
		}
	}
	return nil
}

// run applies each job on a free copy and returns the outcomes in job order.
func (r *runner) run(ctx context.Context, jobs []job) []Outcome {
	out := make([]Outcome, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	done := 0
	for _, dir := range r.copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = r.one(ctx, dir, jobs[i])
				r.mu.Lock()
				done++
				fmt.Fprintf(r.progress, "[%*d/%d] %-8s %5.1fs %s%s\n", width(len(jobs)), done, len(jobs),
					out[i].Status, out[i].Elapsed.Seconds(), out[i].Mutation.label(), byText(out[i]))
				r.mu.Unlock()
			}
		}()
	}
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return out
}

// one applies one mutation in dir, runs its tests and restores the file.
func (r *runner) one(ctx context.Context, dir string, j job) Outcome {
	start := time.Now()
	o := Outcome{Mutation: j.m}
	path := filepath.Join(dir, j.m.File)
	original, err := os.ReadFile(path)
	if err != nil {
		o.Status, o.By = Invalid, err.Error()
		return o
	}
	defer func() { _ = os.WriteFile(path, original, 0o644) }()
	if err := os.WriteFile(path, j.m.apply(original), 0o644); err != nil {
		o.Status, o.By = Invalid, err.Error()
		return o
	}
	text, err := r.goTest(ctx, dir, j.args)
	o.Elapsed = time.Since(start)
	o.Status, o.By = classify(text, err)
	return o
}

// classify reads go test's verdict.
func classify(out string, err error) (Status, string) {
	switch {
	case err == nil:
		return Survived, ""
	case errors.Is(err, context.DeadlineExceeded):
		return TimedOut, "tests did not finish in time"
	case strings.Contains(out, "[build failed]") || strings.Contains(out, "[setup failed]"):
		return Invalid, firstLine(out, func(l string) bool { return strings.Contains(l, ".go:") })
	}
	failed := func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "--- FAIL:") }
	if sub := firstLine(out, func(l string) bool { return failed(l) && strings.Contains(l, "/") }); sub != "" {
		return Killed, sub // the subtest names the case that noticed
	}
	return Killed, firstLine(out, failed)
}

// firstLine returns the first line of out that ok accepts, trimmed.
func firstLine(out string, ok func(string) bool) string {
	for _, l := range strings.Split(out, "\n") {
		if ok(l) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func width(n int) int { return len(fmt.Sprint(n)) }

// byText is the " (by …)" suffix of a progress line.
func byText(o Outcome) string {
	if o.By == "" {
		return ""
	}
	return " (" + o.By + ")"
}
