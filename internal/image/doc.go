// Package image assembles the manager's OCI image from a static binary, with no base
// image and no container engine: one layer holding the binary, the Mozilla CA bundle (from
// the Go module golang.org/x/crypto/x509roots/fallback) and passwd/group entries for the
// non-root user 65532. Every byte is a function of its inputs — fixed timestamps, owners
// and order — so the same binaries give the same digest.
package image
