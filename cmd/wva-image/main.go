// Command wva-image builds the manager's OCI image without a container engine, and pushes
// it to a registry:
//
//	wva-image build --out bin/image [--platforms linux/amd64,linux/arm64]
//	wva-image push --layout bin/image --ref registry.example.com/wva:v0.1.0
//
// The build compiles cmd/wva as a static binary per platform and assembles the image with
// internal/image; the same sources and SOURCE_DATE_EPOCH give the same digest.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/workload-variant-autoscaler/wva/internal/image"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: wva-image build|push [flags] (-h for the flags)")
		return 2
	}
	var err error
	switch args[0] {
	case "build":
		err = build(args[1:], stdout)
	case "push":
		err = push(args[1:], stdout)
	default:
		fmt.Fprintf(stderr, "unknown command %q: want build or push\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "wva-image:", err)
		return 1
	}
	return 0
}

func build(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	dir := fs.String("out", "bin/image", "OCI image layout directory to write (replaced)")
	platforms := fs.String("platforms", "linux/amd64", "comma-separated os/arch list")
	version := fs.String("version", "dev", "image version label and the tag named in the layout")
	revision := fs.String("revision", "", "source revision label (git commit)")
	source := fs.String("source", "https://github.com/workload-variant-autoscaler/wva", "source repository label")
	repo := fs.String("repo", ".", "the WVA module's root")
	epoch := fs.Int64("source-date-epoch", envEpoch(), "timestamp of every file and of the image, seconds since 1970 (SOURCE_DATE_EPOCH)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var bins []image.Binary
	for _, p := range strings.Split(*platforms, ",") {
		osName, arch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok || osName != "linux" || arch == "" {
			return fmt.Errorf("--platforms %q: expected linux/<arch>, e.g. linux/amd64,linux/arm64", p)
		}
		began := time.Now()
		fmt.Fprintf(out, "compiling cmd/wva for %s/%s ...\n", osName, arch)
		data, err := compile(*repo, osName, arch, *version)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "compiled %s/%s: %d bytes in %.0fs\n", osName, arch, len(data), time.Since(began).Seconds())
		bins = append(bins, image.Binary{Platform: image.Platform{OS: osName, Arch: arch}, Data: data})
	}
	idx, err := image.Index(bins, image.Options{Created: time.Unix(*epoch, 0), Version: *version, Revision: *revision, Source: *source})
	if err != nil {
		return err
	}
	if err := os.RemoveAll(*dir); err != nil {
		return err
	}
	digest, err := image.WriteLayout(*dir, idx, "wva:"+*version)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote OCI layout %s\ndigest %s\n", *dir, digest)
	return nil
}

// compile builds a static, reproducible manager binary: no cgo, no paths, no VCS stamp,
// no build ID.
func compile(repo, goos, goarch, version string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "wva-image-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	bin := filepath.Join(tmp, "manager")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid= -X main.version="+version, "-o", bin, "./cmd/wva")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=-buildvcs=false")
	if o, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/wva for %s/%s: %w\n%s", goos, goarch, err, o)
	}
	return os.ReadFile(bin)
}

func envEpoch() int64 {
	v, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

func push(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	dir := fs.String("layout", "bin/image", "OCI image layout written by build")
	ref := fs.String("ref", "", "where to push, e.g. registry.example.com/wva:v0.1.0 (credentials from ~/.docker/config.json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ref == "" {
		return fmt.Errorf("--ref is required, e.g. --ref registry.example.com/wva:v0.1.0")
	}
	r, err := name.ParseReference(*ref)
	if err != nil {
		return fmt.Errorf("--ref %q: %w", *ref, err)
	}
	p, err := layout.FromPath(*dir)
	if err != nil {
		return fmt.Errorf("read %s (run `make image` first): %w", *dir, err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		return err
	}
	m, err := top.IndexManifest()
	if err != nil {
		return err
	}
	if len(m.Manifests) != 1 {
		return fmt.Errorf("%s names %d images, want the one build wrote", *dir, len(m.Manifests))
	}
	idx, err := top.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pushing %s to %s ...\n", m.Manifests[0].Digest, r)
	if err := remote.WriteIndex(r, idx, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return fmt.Errorf("push %s: %w", r, err)
	}
	fmt.Fprintf(out, "pushed %s@%s\n", r.Context(), m.Manifests[0].Digest)
	return nil
}
