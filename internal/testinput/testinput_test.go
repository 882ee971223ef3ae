package testinput

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records a skip or failure instead of ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestMissingInputSkipsOutsideCIAndFailsInCI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.csv")
	for _, tc := range []struct {
		ci       string
		wantFail bool
	}{{"", false}, {"false", false}, {"true", true}, {"1", true}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			Optional(r, path, "the trace", "put it there")
			if tc.wantFail {
				if r.failed == "" || r.skipped != "" || !strings.Contains(r.failed, "in CI (CI="+tc.ci+")") {
					t.Fatalf("in CI: failed %q, skipped %q; want a failure naming CI", r.failed, r.skipped)
				}
			} else if r.skipped == "" || r.failed != "" {
				t.Fatalf("outside CI: failed %q, skipped %q; want a skip", r.failed, r.skipped)
			}
			msg := r.failed + r.skipped
			if !strings.Contains(msg, path) || !strings.Contains(msg, "put it there") {
				t.Errorf("message %q does not name the path and how to provide it", msg)
			}
		})
	}
}

func TestPresentInputIsReturnedAndUnreadableOneFails(t *testing.T) {
	t.Setenv("CI", "")
	dir := t.TempDir()
	file := filepath.Join(dir, "trace.csv")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	if got := Optional(r, file, "the trace", ""); got != file || r.failed != "" || r.skipped != "" {
		t.Fatalf("present file: got %q, failed %q, skipped %q", got, r.failed, r.skipped)
	}
	r = &recorder{TB: t}
	Optional(r, dir, "the trace", "")
	if r.failed == "" || r.skipped != "" {
		t.Fatalf("a directory in place of the file: failed %q, skipped %q; want a failure even outside CI", r.failed, r.skipped)
	}
}

func TestSharedDirFollowsTheEnvironment(t *testing.T) {
	t.Setenv(SharedDirEnv, "/somewhere/shared")
	if got := SharedDir(t); got != "/somewhere/shared" {
		t.Fatalf("SharedDir = %q", got)
	}
	t.Setenv(SharedDirEnv, "")
	got := SharedDir(t)
	if filepath.Base(got) != "shared" {
		t.Fatalf("SharedDir = %q, want shared/ beside the repository", got)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(got), filepath.Base(filepath.Dir(filepath.Dir(mustWd(t)))), "go.mod")); err != nil {
		t.Fatalf("SharedDir %q is not beside the repository root: %v", got, err)
	}
}

func mustWd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
