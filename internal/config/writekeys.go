package config

import (
	"errors"
	"strconv"
	"time"
)

// Names of the settings that bound what WVA writes to the API server per cycle.
const (
	// KeyStatusHeartbeatInterval is how old status.desiredOptimizedAlloc.lastRunTime may
	// grow while nothing else in a VA's status changes (doubled for a fleet whose
	// refreshes would take more than a quarter of API_WRITE_QPS); 0 refreshes it only with
	// a change.
	KeyStatusHeartbeatInterval = "STATUS_HEARTBEAT_INTERVAL"
	// KeyAPIWriteQPS is the client-side rate limit of WVA's per-variant writes (status
	// patches, direct-mode scale writes), in writes per second.
	KeyAPIWriteQPS = "API_WRITE_QPS"
	// KeyAPIWriteBurst is how many writes may go at once above KeyAPIWriteQPS.
	KeyAPIWriteBurst = "API_WRITE_BURST"
	// KeyAPIWriteWorkers is how many variants' writes a cycle carries out at once.
	KeyAPIWriteWorkers = "API_WRITE_WORKERS"
)

// Defaults of the write settings. QPS and burst are kube-controller-manager's defaults
// for its own client (--kube-api-qps 50, --kube-api-burst 100).
const (
	DefaultStatusHeartbeatInterval = 5 * time.Minute
	DefaultAPIWriteQPS             = 50.0
	DefaultAPIWriteBurst           = 100
	DefaultAPIWriteWorkers         = 8
)

// WriteConfig bounds the writes a decision cycle makes: a status patch only when a VA's
// status content changes (or its heartbeat is due), through a bounded worker pool under a
// client-side token bucket.
type WriteConfig struct {
	// StatusHeartbeat is how old lastRunTime may grow while nothing else changes; zero
	// refreshes it only together with another change.
	StatusHeartbeat time.Duration
	// QPS and Burst are the token bucket every write waits on.
	QPS float64
	// Burst is the bucket's size.
	Burst int
	// Workers is how many variants' writes run at once.
	Workers int
}

// writeKeys are the settings of WriteConfig; static (read at start).
func writeKeys() []keyDef {
	heartbeat := keyDef{
		key: KeyStatusHeartbeatInterval, usage: "how old a VA's status lastRunTime may grow while nothing else in its status changes (doubled for a fleet whose refreshes would take over a quarter of API_WRITE_QPS); 0 refreshes it only with a change",
		def: constant(FormatDuration(DefaultStatusHeartbeatInterval)), sources: everywhere,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return errors.New("expected 0 or a positive Go duration such as 5m or 30m")
			}
			c.Static.Writes.StatusHeartbeat = d
			return nil
		},
		get: func(c *Config) string { return FormatDuration(c.Static.Writes.StatusHeartbeat) },
	}
	qps := keyDef{
		key: KeyAPIWriteQPS, usage: "client-side rate limit of per-variant writes (status, direct scaling), per second",
		def: constant(strconv.FormatFloat(DefaultAPIWriteQPS, 'g', -1, 64)), sources: everywhere,
		set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 {
				return errors.New("expected a positive number such as 50 or 12.5")
			}
			c.Static.Writes.QPS = f
			return nil
		},
		get: func(c *Config) string { return strconv.FormatFloat(c.Static.Writes.QPS, 'g', -1, 64) },
	}
	return []keyDef{
		heartbeat, qps,
		positiveIntKey(KeyAPIWriteBurst, "writes allowed at once above API_WRITE_QPS", DefaultAPIWriteBurst,
			func(c *Config) *int { return &c.Static.Writes.Burst }),
		positiveIntKey(KeyAPIWriteWorkers, "variants whose writes a cycle carries out at once", DefaultAPIWriteWorkers,
			func(c *Config) *int { return &c.Static.Writes.Workers }),
	}
}

// positiveIntKey is a whole-number setting of at least 1.
func positiveIntKey(key, usage string, def int, field func(*Config) *int) keyDef {
	return keyDef{
		key: key, usage: usage, def: constant(strconv.Itoa(def)), sources: everywhere,
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return errors.New("expected a whole number of at least 1")
			}
			*field(c) = n
			return nil
		},
		get: func(c *Config) string { return strconv.Itoa(*field(c)) },
	}
}
