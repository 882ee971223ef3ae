package image

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Platform is one operating system and architecture the image is built for.
type Platform struct {
	OS, Arch string
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Binary is the manager built for one platform.
type Binary struct {
	Platform Platform
	Data     []byte
}

// Options describe the image beyond its binaries.
type Options struct {
	// Created stamps the image config, the history and every file (SOURCE_DATE_EPOCH).
	Created time.Time
	// Version and Revision become the OCI version and revision labels.
	Version, Revision string
	// Source is the repository URL label.
	Source string
}

// Index assembles a multi-platform OCI image index, one image per binary.
func Index(bins []Binary, o Options) (v1.ImageIndex, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, b := range bins {
		img, err := platformImage(b, o)
		if err != nil {
			return nil, fmt.Errorf("image for %s: %w", b.Platform, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: b.Platform.OS, Architecture: b.Platform.Arch}},
		})
	}
	return idx, nil
}

func platformImage(b Binary, o Options) (v1.Image, error) {
	tarBytes, err := LayerTar(b.Data, o.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tarBytes)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: o.Created.UTC()}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: created, CreatedBy: "wva-image: " + Entrypoint + ", CA bundle, nonroot user", Comment: "static binary, no base image"}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created, cf.OS, cf.Architecture = created, b.Platform.OS, b.Platform.Arch
	cf.Config = v1.Config{
		Entrypoint: []string{Entrypoint},
		User:       strconv.Itoa(UID) + ":" + strconv.Itoa(GID),
		WorkingDir: "/",
		Env:        []string{"SSL_CERT_FILE=" + CAFile, "HOME=/home/nonroot"},
		Labels: map[string]string{
			"org.opencontainers.image.title":    "workload-variant-autoscaler",
			"org.opencontainers.image.source":   o.Source,
			"org.opencontainers.image.version":  o.Version,
			"org.opencontainers.image.revision": o.Revision,
		},
	}
	return mutate.ConfigFile(img, cf)
}

// WriteLayout writes idx as an OCI image layout in dir (which must not exist or be empty),
// named ref in index.json, and returns the index's digest.
func WriteLayout(dir string, idx v1.ImageIndex, ref string) (v1.Hash, error) {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("write OCI layout %s: %w", dir, err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		return v1.Hash{}, fmt.Errorf("write OCI layout %s: %w", dir, err)
	}
	return idx.Digest()
}
