package config

// LogNoDesiredReplicasEndpoint is the start-up warning when ACTUATION_MODE=metrics runs with
// both /metrics and the external metrics API off: the controller decides, but no HPA or KEDA
// can read wva_desired_replicas. It starts anyway, as the guide's defaults must.
const LogNoDesiredReplicasEndpoint = "Warning: ACTUATION_MODE=metrics publishes wva_desired_replicas nowhere: " +
	"METRICS_ADDR and EXTERNAL_METRICS_ADDR are both off, so no HPA or KEDA can read it"

// Warning is a start-up warning: a setting that starts but probably does not do what the
// user wants. The composition root logs Message with KeysAndValues.
type Warning struct {
	// Message is constant, so logs can be searched for it.
	Message string
	// KeysAndValues name the settings involved, their values and the fix.
	KeysAndValues []any
}

// StartupWarnings returns the warnings of a resolved configuration, for the composition root
// to log once at start-up.
func StartupWarnings(c Config) []Warning {
	var ws []Warning
	s := c.Static
	if s.ActuationMode == ActuationMetrics && s.MetricsAddr == DisabledAddr && s.ExternalMetricsAddr == DisabledAddr {
		ws = append(ws, Warning{Message: LogNoDesiredReplicasEndpoint, KeysAndValues: []any{
			KeyActuationMode, string(s.ActuationMode),
			KeyMetricsAddr, s.MetricsAddr,
			KeyExternalMetricsAddr, s.ExternalMetricsAddr,
			"fix", "set METRICS_ADDR (e.g. :8443) for an HPA or KEDA reading Prometheus, or EXTERNAL_METRICS_ADDR " +
				"(e.g. :6443) for the HPA's external metrics API, or ACTUATION_MODE=direct to let WVA scale the targets itself",
		}})
	}
	return ws
}
