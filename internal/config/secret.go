package config

// redacted is what a Secret prints as, whatever its value.
const redacted = "[redacted]"

// Secret holds a credential (the Prometheus bearer token). It exists so that logging or
// printing a Config can never leak the credential: every formatting path (fmt, JSON, logr)
// prints "[redacted]". Only Reveal returns the value, which makes each use easy to audit.
type Secret struct {
	value string
}

// NewSecret wraps a credential so that it cannot be printed by accident.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the credential; call it only where the credential is sent.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether a credential is present, without revealing it.
func (s Secret) IsSet() bool { return s.value != "" }

// String keeps fmt's %v, %s and %q from printing the credential.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// GoString keeps fmt's %#v from printing the credential.
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// MarshalJSON keeps JSON log encoders (zap) from printing the credential.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalLog keeps logr sinks (funcr and others) from printing the credential.
func (s Secret) MarshalLog() any { return s.String() }
