package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/x509"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The image is built twice from the same sources into two layouts; both builds print the
// same digest. The layout is then read with the standard library alone, as a runtime
// would: index → image manifest → config and layer.
func TestImageIsReproducibleNonRootAndHasNoShell(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the manager")
	}
	var digests []string
	var layouts []string
	for i := 1; i <= 2; i++ {
		dir := filepath.Join(t.TempDir(), "image")
		var out bytes.Buffer
		code := run([]string{"build", "--out", dir, "--repo", "../..", "--version", "test", "--revision", "0123abc", "--source-date-epoch", "1767225600"}, &out, &out)
		if code != 0 {
			t.Fatalf("build %d exited %d:\n%s", i, code, out.String())
		}
		m := regexp.MustCompile(`(?m)^digest (sha256:[0-9a-f]{64})$`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("build %d printed no digest:\n%s", i, out.String())
		}
		t.Logf("IMAGE DIGEST build %d: %s", i, m[1])
		digests, layouts = append(digests, m[1]), append(layouts, dir)
	}
	if digests[0] != digests[1] {
		t.Fatalf("two builds of the same sources gave %s and %s", digests[0], digests[1])
	}

	dir := layouts[0]
	var top ociIndex
	readJSON(t, filepath.Join(dir, "index.json"), &top)
	if len(top.Manifests) != 1 || top.Manifests[0].Digest != digests[0] || top.Manifests[0].MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("index.json = %+v, want the printed index digest", top)
	}
	var idx ociIndex
	readJSON(t, blob(dir, digests[0]), &idx)
	if len(idx.Manifests) != 1 || idx.Manifests[0].Platform.OS != "linux" || idx.Manifests[0].Platform.Architecture != "amd64" {
		t.Fatalf("image index = %+v, want one linux/amd64 image", idx)
	}
	var man struct {
		Config ociDesc   `json:"config"`
		Layers []ociDesc `json:"layers"`
	}
	readJSON(t, blob(dir, idx.Manifests[0].Digest), &man)
	var cfg struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Created      string `json:"created"`
		Config       struct {
			Entrypoint []string          `json:"Entrypoint"`
			Cmd        []string          `json:"Cmd"`
			User       string            `json:"User"`
			Env        []string          `json:"Env"`
			Labels     map[string]string `json:"Labels"`
		} `json:"config"`
	}
	readJSON(t, blob(dir, man.Config.Digest), &cfg)
	t.Logf("image config: entrypoint %v, user %s, created %s, env %v", cfg.Config.Entrypoint, cfg.Config.User, cfg.Created, cfg.Config.Env)
	if strings.Join(cfg.Config.Entrypoint, " ") != "/manager" || len(cfg.Config.Cmd) != 0 {
		t.Errorf("entrypoint %v cmd %v, want [/manager] and no cmd", cfg.Config.Entrypoint, cfg.Config.Cmd)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cfg.Config.User)
	}
	if cfg.Created != "2026-01-01T00:00:00Z" || cfg.Config.Labels["org.opencontainers.image.revision"] != "0123abc" {
		t.Errorf("created %s labels %v", cfg.Created, cfg.Config.Labels)
	}
	if len(man.Layers) != 1 {
		t.Fatalf("%d layers, want 1", len(man.Layers))
	}

	files := layerFiles(t, blob(dir, man.Layers[0].Digest))
	var names []string
	for n := range files {
		names = append(names, n)
	}
	t.Logf("layer files: %v", names)
	for n := range files {
		if strings.HasPrefix(n, "bin/") || strings.HasPrefix(n, "usr/") || strings.HasPrefix(n, "sbin/") || strings.HasSuffix(n, "sh") {
			t.Errorf("the image holds %s: no shell or tools belong in it", n)
		}
	}
	for _, want := range []string{"manager", "etc/passwd", "etc/group", "etc/ssl/certs/ca-certificates.crt"} {
		if _, ok := files[want]; !ok {
			t.Errorf("%s missing from the layer", want)
		}
	}
	if !strings.Contains(string(files["etc/passwd"]), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd = %q", files["etc/passwd"])
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(files["etc/ssl/certs/ca-certificates.crt"]) || len(pool.Subjects()) < 100 { //nolint:staticcheck // counting roots only
		t.Errorf("CA bundle holds %d roots, want the Mozilla set (>100)", len(pool.Subjects())) //nolint:staticcheck
	}
	bin, err := elf.NewFile(bytes.NewReader(files["manager"]))
	if err != nil {
		t.Fatalf("/manager is not an ELF binary: %v", err)
	}
	for _, p := range bin.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/manager is dynamically linked; the image has no libc")
		}
	}
}

type ociDesc struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Platform  struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform"`
}

type ociIndex struct {
	Manifests []ociDesc `json:"manifests"`
}

func blob(dir, digest string) string {
	return filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
}

// readJSON decodes a layout file after checking that a blob's content matches its name.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkDigest(t, path, data)
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func checkDigest(t *testing.T, path string, data []byte) {
	t.Helper()
	if filepath.Base(filepath.Dir(path)) != "sha256" {
		return
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != filepath.Base(path) {
		t.Fatalf("blob %s does not match its digest", path)
	}
}

func layerFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkDigest(t, path, data)
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			t.Errorf("%s is not a regular file (type %c): links could smuggle a shell in", hdr.Name, hdr.Typeflag)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = b
	}
}
