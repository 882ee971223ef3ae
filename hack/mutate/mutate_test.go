package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// calc is a tiny module whose test checks Max but never Min.
var calc = map[string]string{
	"go.mod": "module example.com/calc\n\ngo 1.22\n",
	"calc/calc.go": `package calc

// Max returns the larger of a and b.
func Max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// Min returns the smaller of a and b.
func Min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
`,
	"calc/calc_test.go": `package calc

import "testing"

func TestMax(t *testing.T) {
	if Max(1, 2) != 2 || Max(3, 1) != 3 {
		t.Fatal("Max is wrong")
	}
}
`,
	"calc/testdata/mutations.yaml": `packages: [./calc]
mutations:
- rule: Max takes the larger
  file: calc/calc.go
  from: "		return a\n	}\n	return b\n}\n\n// Min"
  to: "		return b\n	}\n	return b\n}\n\n// Min"
- rule: Min takes the smaller
  file: calc/calc.go
  from: "a < b"
  to: "a > b"
- rule: Max takes the larger
  file: calc/calc.go
  from: "a > b"
  to: "a >= b"
  equivalent: equal arguments give the same result either way
- rule: a mutation that does not build
  file: calc/calc.go
  from: "func Min(a, b int) int {"
  to: "func Min(a, b int) int { return"
`,
}

// newRepo writes files into a fresh git repository and makes it the working directory.
func newRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	t.Chdir(dir)
	return dir
}

// TestReportsSurvivorsByRuleAndLeavesTheTreeAlone runs a list with one mutation of each
// kind: killed, survived, survived but argued equivalent, and one that does not build.
func TestReportsSurvivorsByRuleAndLeavesTheTreeAlone(t *testing.T) {
	dir := newRepo(t, calc)
	var out, errs bytes.Buffer
	report := filepath.Join(t.TempDir(), "report.md")
	code, err := run([]string{"-j", "2", "-report", report}, &out, &errs)
	if err != nil {
		t.Fatalf("run: %v\n%s%s", err, out.String(), errs.String())
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1 (a survivor and an invalid mutation)", code)
	}
	text := out.String()
	for _, want := range []string{
		"4 mutations: 1 killed, 0 timed out (counted as killed), 1 survived, 1 survived but argued equivalent, 1 invalid",
		"### Survivors by rule\n\n- **Min takes the smaller**\n  - `calc/calc.go:13` `a < b` → `a > b`",
		"### Survivors argued equivalent\n\n- **Max takes the larger**\n  - `calc/calc.go:5` `a > b` → `a >= b`: equal arguments give the same result either way",
		"### Invalid mutations (do not build; fix the list)\n\n- **a mutation that does not build**",
		"killed", "(--- FAIL: TestMax",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	written, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(written), "### Survivors by rule") {
		t.Errorf("report file: %v\n%s", err, written)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "calc/calc.go")); string(got) != calc["calc/calc.go"] {
		t.Errorf("the working tree was changed:\n%s", got)
	}
}

// TestStaleListFailsLoudly: a snippet that is no longer in the code (or is there twice)
// is an error naming the list and the rule, not a mutation that tests nothing.
func TestStaleListFailsLoudly(t *testing.T) {
	files := map[string]string{}
	for k, v := range calc {
		files[k] = v
	}
	files["calc/testdata/mutations.yaml"] = `packages: [./calc]
mutations:
- rule: renamed code
  file: calc/calc.go
  from: "func Maximum("
  to: "func Minimum("
- rule: ambiguous snippet
  file: calc/calc.go
  from: "return b"
  to: "return a"
`
	newRepo(t, files)
	var out, errs bytes.Buffer
	code, err := run(nil, &out, &errs)
	if code != 2 || err == nil {
		t.Fatalf("code %d, err %v; want 2 and an error", code, err)
	}
	for _, want := range []string{`"renamed code"`, "0 times", `"ambiguous snippet"`, "2 times"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// TestFailingBaselineStops: when the tests fail without mutation, nothing is mutated.
func TestFailingBaselineStops(t *testing.T) {
	files := map[string]string{}
	for k, v := range calc {
		files[k] = v
	}
	files["calc/calc_test.go"] = strings.Replace(calc["calc/calc_test.go"], "Max(1, 2) != 2", "Max(1, 2) != 1", 1)
	newRepo(t, files)
	var out, errs bytes.Buffer
	code, err := run(nil, &out, &errs)
	if code != 2 || err == nil || !strings.Contains(err.Error(), "fail without any mutation") {
		t.Fatalf("code %d, err %v; want 2 and the baseline failure", code, err)
	}
}

// TestRepositoryListsFitTheCode keeps the repository's mutation lists in step with the
// code: a snippet changed by a refactoring fails here, in make test, naming the list and
// the rule, rather than at the next mutation run.
func TestRepositoryListsFitTheCode(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := findLists(root)
	if err != nil {
		t.Fatal(err)
	}
	lists, err := loadLists(root, paths)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range lists {
		n += len(l.Mutations)
	}
	t.Logf("%d mutations in %d lists fit the code", n, len(lists))
}
