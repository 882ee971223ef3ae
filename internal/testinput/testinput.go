package testinput

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// SharedDirEnv names the environment variable that points at the shared/ directory
// (traces) when it is not beside the repository.
const SharedDirEnv = "WVA_SHARED_DIR"

// SharedTraceName is the Azure LLM inference trace 2023 (conversation service, CC-BY,
// Microsoft Azure Public Dataset) inside the shared directory.
const SharedTraceName = "traces/azure-llm-2023-conv.csv"

// InCI reports whether the tests run in CI, where no input may be missing: the
// environment variable CI holds a true value ("true", "1").
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Optional returns path when the file exists. When it does not exist the test is skipped
// outside CI and fails in CI; the message names what and how to provide it. Any other
// error (permissions, a directory in its place) fails the test everywhere.
func Optional(tb testing.TB, path, what, provide string) string {
	tb.Helper()
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		missing(tb, "%s is missing at %s (%s)", what, path, provide)
	case err != nil:
		tb.Fatalf("%s at %s cannot be read: %v", what, path, err)
	case info.IsDir():
		tb.Fatalf("%s at %s is a directory, want a file", what, path)
	}
	return path
}

// missing skips the test, or fails it in CI.
func missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("in CI (CI=%s): "+format+"; CI must run every test", append([]any{os.Getenv("CI")}, args...)...)
		return
	}
	tb.Skipf(format+"; skipped outside CI", args...)
}

// SharedTrace returns the path of the shared trace: under $WVA_SHARED_DIR when set, else
// in the shared/ directory beside the repository (where CI checks it out). It skips or
// fails as Optional does when the trace is missing.
func SharedTrace(tb testing.TB) string {
	tb.Helper()
	return Optional(tb, filepath.Join(SharedDir(tb), filepath.FromSlash(SharedTraceName)), "the shared trace",
		"check out shared/ beside the repository or set "+SharedDirEnv)
}

// SharedDir is $WVA_SHARED_DIR, or shared/ beside the repository's root (the directory
// holding go.mod, found upwards from the working directory).
func SharedDir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv(SharedDirEnv); d != "" {
		return d
	}
	root, err := moduleRoot()
	if err != nil {
		tb.Fatalf("locate the repository root: %v", err)
	}
	return filepath.Join(filepath.Dir(root), "shared")
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
