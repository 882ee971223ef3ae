package image

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The image's fixed facts.
const (
	// Entrypoint is where the manager binary lives in the image.
	Entrypoint = "/manager"
	// UID and GID are the non-root user the manager runs as ("nonroot", as in distroless).
	UID = 65532
	GID = 65532
	// CAFile is the CA bundle Go's crypto/x509 reads on Linux.
	CAFile = "/etc/ssl/certs/ca-certificates.crt"
)

// file is one regular file of the layer.
type file struct {
	mode int64
	data []byte
}

// rootFiles are the layer's files besides the binary: the CA bundle and the user database.
func rootFiles() (map[string]file, error) {
	ca, err := CABundle()
	if err != nil {
		return nil, err
	}
	return map[string]file{
		CAFile:        {0o644, ca},
		"/etc/passwd": {0o644, fmt.Appendf(nil, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", UID, GID)},
		"/etc/group":  {0o644, fmt.Appendf(nil, "root:x:0:\nnonroot:x:%d:\n", GID)},
	}, nil
}

// CABundle returns the unconstrained roots of the NSS trust store as PEM. Roots that NSS
// trusts only for certificates issued before a date are left out: a PEM file cannot carry
// that constraint.
func CABundle() ([]byte, error) {
	var buf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		if _, err := x509.ParseCertificate(r.Certificate); err != nil {
			return nil, fmt.Errorf("CA bundle: %w", err)
		}
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}); err != nil {
			return nil, fmt.Errorf("CA bundle: %w", err)
		}
	}
	if buf.Len() == 0 {
		return nil, fmt.Errorf("CA bundle: no roots")
	}
	return buf.Bytes(), nil
}

// LayerTar returns the uncompressed layer: parent directories, the files and the binary at
// Entrypoint, in name order, owned by root, stamped mtime. No shell, no package manager.
func LayerTar(binary []byte, mtime time.Time) ([]byte, error) {
	files, err := rootFiles()
	if err != nil {
		return nil, err
	}
	files[Entrypoint] = file{0o755, binary}
	dirs := map[string]bool{"/tmp": true, "/home/nonroot": true}
	for name := range files {
		for d := parent(name); d != "/"; d = parent(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		for p := parent(d); p != "/"; p = parent(p) {
			dirs[p] = true
		}
	}
	names := make([]string, 0, len(files)+len(dirs))
	for n := range files {
		names = append(names, n)
	}
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		hdr := &tar.Header{Name: n[1:], ModTime: mtime, Format: tar.FormatPAX, Uname: "root", Gname: "root"}
		if f, ok := files[n]; ok {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, f.mode, int64(len(f.data))
		} else {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, n[1:]+"/", 0o755
			switch n {
			case "/tmp":
				hdr.Mode = 0o1777
			case "/home/nonroot":
				hdr.Mode, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0o700, UID, GID, "nonroot", "nonroot"
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("layer %s: %w", n, err)
		}
		if f, ok := files[n]; ok {
			if _, err := tw.Write(f.data); err != nil {
				return nil, fmt.Errorf("layer %s: %w", n, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return buf.Bytes(), nil
}

func parent(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}
