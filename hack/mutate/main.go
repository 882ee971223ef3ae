// Command mutate measures whether the tests notice mistakes. It applies deliberate
// mistakes (mutations: a snippet of a file replaced by another) one at a time to private
// copies of the repository — never to the working tree — runs the tests that should
// notice, and reports by rule the mutations no test noticed (survivors).
//
//	go run ./hack/mutate [-j 2] [-timeout 5m] [-run REGEXP] [-report FILE] [-check] [LIST.yaml...]
//
// Without list files it runs every testdata/mutations.yaml in the repository. A list
// names the test packages and its mutations (see docs/testing.md); a mutation whose
// snippet is no longer in the code, or that does not build, is an error of the list.
// The exit status is 1 when a mutation survives that the list does not argue equivalent.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
)

func main() {
	code, err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
	}
	os.Exit(code)
}

// options are the command line.
type options struct {
	workers int
	timeout time.Duration
	only    *regexp.Regexp
	report  string
	check   bool
	lists   []string
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{}
	fs.IntVar(&o.workers, "j", min(2, runtime.NumCPU()), "mutations tested at once (one repository copy each)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "time allowed for one mutation's tests; a mutant still running is counted as killed")
	run := fs.String("run", "", "only mutations whose rule matches this regular expression")
	fs.StringVar(&o.report, "report", "", "also write the Markdown report to this file")
	fs.BoolVar(&o.check, "check", false, "only check that every mutation fits the code, then exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.workers < 1 {
		return o, fmt.Errorf("-j %d: want at least 1", o.workers)
	}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			return o, fmt.Errorf("-run: %w", err)
		}
		o.only = re
	}
	o.lists = fs.Args()
	return o, nil
}

// run is the command; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) (int, error) {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return 2, err
	}
	root, err := repoRoot()
	if err != nil {
		return 2, err
	}
	if len(o.lists) == 0 {
		if o.lists, err = findLists(root); err != nil {
			return 2, err
		}
	}
	lists, err := loadLists(root, o.lists)
	if err != nil {
		return 2, err
	}
	jobs, sets := plan(lists, o.only)
	if len(jobs) == 0 {
		return 2, errors.New("no mutations to run")
	}
	if o.check {
		fmt.Fprintf(stdout, "mutate: %d mutation(s) in %s fit the code\n", len(jobs), strings.Join(o.lists, ", "))
		return 0, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	tmp, err := os.MkdirTemp("", "wva-mutate-")
	if err != nil {
		return 2, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	start := time.Now()
	fmt.Fprintf(stdout, "mutate: %d mutation(s) from %s; copying the repository for %d worker(s)\n", len(jobs), strings.Join(o.lists, ", "), o.workers)
	r, err := newRunner(root, tmp, min(o.workers, len(jobs)), o.timeout, stdout)
	if err != nil {
		return 2, err
	}
	fmt.Fprintf(stdout, "mutate: running the tests unmutated first (%s)\n", time.Since(start).Round(time.Second))
	if err := r.baseline(ctx, sets); err != nil {
		return 2, err
	}
	fmt.Fprintf(stdout, "mutate: baseline passes (%s); mutating\n", time.Since(start).Round(time.Second))
	outcomes := r.run(ctx, jobs)
	if ctx.Err() != nil {
		return 2, errors.New("interrupted")
	}
	s := summarise(outcomes, len(r.copies), time.Since(start))
	fmt.Fprintln(stdout)
	writeReport(stdout, outcomes, s)
	if o.report != "" {
		f, err := os.Create(o.report)
		if err != nil {
			return 2, err
		}
		writeReport(f, outcomes, s)
		if err := f.Close(); err != nil {
			return 2, err
		}
	}
	if s.Failed() {
		return 1, nil
	}
	return 0, nil
}

// plan turns the lists into jobs (those whose rule matches only, when set) and the
// distinct test sets the baseline must run.
func plan(lists []List, only *regexp.Regexp) ([]job, [][]string) {
	var jobs []job
	var sets [][]string
	for _, l := range lists {
		for _, m := range l.Mutations {
			if only != nil && !only.MatchString(m.Rule) {
				continue
			}
			args := m.testArgs(l)
			jobs = append(jobs, job{m: m, args: args})
			if !slices.ContainsFunc(sets, func(s []string) bool { return slices.Equal(s, args) }) {
				sets = append(sets, args)
			}
		}
	}
	return jobs, sets
}

// repoRoot is the root of the git working tree holding the working directory.
func repoRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("find the repository root: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// findLists finds every testdata/mutations.yaml under root, as paths relative to the
// working directory's view of root.
func findLists(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "mutations.yaml" && filepath.Base(filepath.Dir(p)) == "testdata" {
			out = append(out, p)
		}
		return nil
	})
	if len(out) == 0 && err == nil {
		err = errors.New("no testdata/mutations.yaml in the repository")
	}
	return out, err
}
