package image

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
	"time"
)

// The layer is a pure function of the binary and the timestamp, holds only the expected
// entries, and nothing in it is a link or a shell.
func TestLayerTarIsDeterministicAndMinimal(t *testing.T) {
	at := time.Unix(1767225600, 0)
	a, err := LayerTar([]byte("binary"), at)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LayerTar([]byte("binary"), at)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two layers of the same inputs differ")
	}
	if c, _ := LayerTar([]byte("binary"), at.Add(time.Second)); bytes.Equal(a, c) {
		t.Fatal("the timestamp does not reach the layer")
	}
	want := map[string]int64{
		"etc/": 0o755, "etc/ssl/": 0o755, "etc/ssl/certs/": 0o755, "home/": 0o755, "home/nonroot/": 0o700, "tmp/": 0o1777,
		"etc/group": 0o644, "etc/passwd": 0o644, "etc/ssl/certs/ca-certificates.crt": 0o644, "manager": 0o755,
	}
	tr := tar.NewReader(bytes.NewReader(a))
	var order []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, h.Name)
		mode, ok := want[h.Name]
		if !ok {
			t.Errorf("unexpected entry %s", h.Name)
			continue
		}
		delete(want, h.Name)
		if h.Mode != mode || !h.ModTime.Equal(at) {
			t.Errorf("%s: mode %o mtime %v, want %o %v", h.Name, h.Mode, h.ModTime, mode, at)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeDir {
			t.Errorf("%s has type %c", h.Name, h.Typeflag)
		}
		if h.Name == "home/nonroot/" && (h.Uid != UID || h.Gid != GID) {
			t.Errorf("home of nonroot owned by %d:%d", h.Uid, h.Gid)
		}
		if h.Name == "manager" {
			data, _ := io.ReadAll(tr)
			if string(data) != "binary" || h.Uid != 0 {
				t.Errorf("manager: %q uid %d", data, h.Uid)
			}
		}
	}
	for n := range want {
		t.Errorf("missing entry %s", n)
	}
	for i := 1; i < len(order); i++ {
		if order[i-1] >= order[i] {
			t.Errorf("entries not in name order: %s before %s", order[i-1], order[i])
		}
	}
}
