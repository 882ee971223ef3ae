package decision

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// modulePath is this module; the core may import its own sub-packages only.
const modulePath = "github.com/workload-variant-autoscaler/wva/internal/decision"

// forbiddenImport says why an import path is not allowed in the pure core, or "".
// Only the standard library (no dot in the first path element) and the core's own
// sub-packages are allowed, which rules out client-go, controller-runtime and every
// Prometheus package, directly or through another module.
func forbiddenImport(path string) string {
	first, _, _ := strings.Cut(path, "/")
	switch {
	case path == modulePath || strings.HasPrefix(path, modulePath+"/"):
		return ""
	case !strings.Contains(first, "."):
		return ""
	}
	return "not the standard library or the decision core"
}

// TestForbiddenImportRule makes sure the rule itself rejects what it must.
func TestForbiddenImportRule(t *testing.T) {
	for _, p := range []string{"k8s.io/client-go/kubernetes", "sigs.k8s.io/controller-runtime", "github.com/prometheus/client_golang/prometheus",
		"github.com/prometheus/common/model", "github.com/workload-variant-autoscaler/wva/internal/collector"} {
		if forbiddenImport(p) == "" {
			t.Errorf("%s should be forbidden", p)
		}
	}
	for _, p := range []string{"fmt", "math", "slices", modulePath + "/sub"} {
		if forbiddenImport(p) != "" {
			t.Errorf("%s should be allowed", p)
		}
	}
}

// TestPureImports parses every non-test Go file of the package and its sub-packages.
func TestPureImports(t *testing.T) {
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if why := forbiddenImport(p); why != "" {
				t.Errorf("%s imports %s: %s", path, p, why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no Go files found: the test is not looking at the package")
	}
}
