package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// constant is a default that does not depend on other keys.
func constant(v string) func(*Config) string { return func(*Config) string { return v } }

// stringKey is a free-form or checked string setting.
func stringKey(key, usage, def string, field func(*Config) *string, check func(string) error) keyDef {
	return keyDef{
		key: key, usage: usage, def: constant(def), sources: everywhere,
		set: func(c *Config, v string) error {
			if v != "" && check != nil {
				if err := check(v); err != nil {
					return err
				}
			}
			*field(c) = v
			return nil
		},
		get: func(c *Config) string { return *field(c) },
	}
}

// boolKey is a true/false setting.
func boolKey(key, usage string, def bool, field func(*Config) *bool) keyDef {
	return keyDef{
		key: key, usage: usage, def: constant(strconv.FormatBool(def)), sources: everywhere, isBool: true,
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("expected true or false")
			}
			*field(c) = b
			return nil
		},
		get: func(c *Config) string { return strconv.FormatBool(*field(c)) },
	}
}

// durationKey is a Go duration setting of at least minimum (which must be positive).
func durationKey(key, usage string, def, minimum time.Duration, field func(*Config) *time.Duration) keyDef {
	return keyDef{
		key: key, usage: usage, def: constant(FormatDuration(def)), sources: everywhere,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errors.New("expected a positive Go duration such as 30s, 2m or 1m30s")
			}
			if d < minimum {
				return fmt.Errorf("must be at least %s, e.g. 30s, 2m or 1m30s", FormatDuration(minimum))
			}
			*field(c) = d
			return nil
		},
		get: func(c *Config) string { return FormatDuration(*field(c)) },
	}
}

// enumKey is a setting with a fixed set of values, stored in a string-based type.
func enumKey[T ~string](key, usage string, def T, allowed []T, field func(*Config) *T) keyDef {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	check := oneOf(names...)
	return keyDef{
		key: key, usage: usage + ": " + strings.Join(names, " or "), def: constant(string(def)), sources: everywhere,
		set: func(c *Config, v string) error {
			if err := check(v); err != nil {
				return err
			}
			*field(c) = T(v)
			return nil
		},
		get: func(c *Config) string { return string(*field(c)) },
	}
}

// FormatDuration renders whole seconds as "120s" (as the guide's log lines show) and
// anything else as time.Duration does.
func FormatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// checkURL accepts an absolute http(s) URL with a host.
func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("expected an http or https URL such as https://prometheus:9090")
	}
	return nil
}

// RedactURL hides the user information (user name and password) of a URL, so that a URL
// with credentials can be logged, put in an event or in an error: it prints as
// https://[redacted]@host:port/path. It works on text that does not parse as a URL too,
// since invalid values are reported as well.
func RedactURL(v string) string {
	start := 0
	if i := strings.Index(v, "://"); i >= 0 {
		start = i + 3
	}
	end := len(v)
	if i := strings.IndexAny(v[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndex(v[start:end], "@")
	if at < 0 {
		return v
	}
	return v[:start] + redacted + v[start+at:]
}

// checkAddr accepts "0" (disabled) or host:port with a numeric port.
func checkAddr(v string) error {
	if v == DisabledAddr {
		return nil
	}
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return errors.New(`expected "0" (disabled) or host:port such as :8080 or 0.0.0.0:8443`)
	}
	return nil
}

// checkSubdomain accepts a Kubernetes object name (DNS-1123 subdomain).
func checkSubdomain(v string) error {
	if msgs := validation.IsDNS1123Subdomain(v); len(msgs) > 0 {
		return fmt.Errorf("expected a Kubernetes object name (DNS-1123 subdomain): %s", strings.Join(msgs, "; "))
	}
	return nil
}

// checkLabel accepts a namespace name or label-safe identifier (DNS-1123 label).
func checkLabel(v string) error {
	if msgs := validation.IsDNS1123Label(v); len(msgs) > 0 {
		return fmt.Errorf("expected a DNS-1123 label (lower case letters, digits and '-', at most 63): %s",
			strings.Join(msgs, "; "))
	}
	return nil
}

// checkFileName accepts a plain file name (no directory part).
func checkFileName(v string) error {
	if strings.ContainsRune(v, '/') {
		return errors.New("expected a file name inside the certificate directory, without '/'")
	}
	return nil
}

// oneOf accepts one of the listed values.
func oneOf(allowed ...string) func(string) error {
	return func(v string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("expected one of %s", strings.Join(allowed, ", "))
	}
}

// splitList splits a comma-separated list, dropping blanks and duplicates.
func splitList(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// normalizeToken trims the token and drops a "Bearer " prefix, so the client adds exactly
// one (the public implementation sent it twice).
func normalizeToken(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}
