//go:build tools

// Package prometheus records the command this module builds so that go mod tidy keeps it.
package prometheus

import _ "github.com/prometheus/prometheus/cmd/prometheus"
