//go:build tools

// Package adapter records the command this module builds so that go mod tidy keeps it.
package adapter

import _ "sigs.k8s.io/prometheus-adapter/cmd/adapter"
