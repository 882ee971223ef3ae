package engine

// Messages of the per-variant decision lines and of the cycle summary (with LogSafetyNet,
// the guide's `grep "Safety net activated"`). Operators grep for them, so they are
// constants, and the controller's logger never samples them away, however many variants a
// cycle decides.
const (
	// MsgScalingDecision is one variant's decision on usable signals.
	MsgScalingDecision = "Scaling decision"
	// MsgScaledDirectly is a direct-mode scale write.
	MsgScaledDirectly = "Scaled target directly"
	// MsgCycleDone is the cycle's summary line.
	MsgCycleDone = "Decision cycle done"
)

// UnsampledMessages are the log messages that must reach the log every time.
func UnsampledMessages() []string {
	return []string{MsgScalingDecision, LogSafetyNet, MsgScaledDirectly, MsgCycleDone}
}
