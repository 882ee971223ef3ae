// Package watch is the thin Kubernetes side of the configuration: it watches the
// controller's ConfigMaps in its own namespace, feeds their content to a config.Store, and
// tells operators what happened through log lines and Events. All decisions about what a
// change means live in package config, where they are tested without a cluster; this package
// only moves data and reports. It imports config, never the other way round.
package watch
