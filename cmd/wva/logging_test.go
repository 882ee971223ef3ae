package main

import (
	"bytes"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/engine"
)

// countLines counts the log lines holding s.
func countLines(log, s string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// A burst of 1,000 variants' decision lines, as one cycle of 1,000 VAs writes, all reach
// the log, and so do errors; other repeated lines are sampled as controller-runtime does
// (100 a second, then one in 100).
func TestDecisionLinesAreNeverSampled(t *testing.T) {
	var out bytes.Buffer
	logger, err := newLogger(nil, &out, engine.UnsampledMessages())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		logger.Info(engine.MsgScalingDecision, "variant", i)
		logger.Info(engine.LogSafetyNet, "variant", i)
		logger.Error(errors.New("boom"), "Cannot write status", "variant", i)
		logger.Info("Some repeated noise", "i", i)
	}
	logger.Info(engine.MsgCycleDone, "variants", 1000)
	log := out.String()
	for msg, want := range map[string]int{
		`"msg":"` + engine.MsgScalingDecision + `"`: 1000,
		`"msg":"` + engine.LogSafetyNet + `"`:       1000,
		`"msg":"Cannot write status"`:               1000,
		`"msg":"` + engine.MsgCycleDone + `"`:       1,
	} {
		if got := countLines(log, msg); got != want {
			t.Errorf("%s: %d lines, want %d", msg, got, want)
		}
	}
	if got := countLines(log, "Some repeated noise"); got < 100 || got > 120 {
		t.Errorf("repeated noise: %d lines, want it sampled to about 110", got)
	}
}

// The log level is a setting: --zap-log-level=debug shows V(1) lines, the default does
// not; --zap-encoder=console switches the format.
func TestLogLevelAndFormatFromZapFlags(t *testing.T) {
	for _, c := range []struct {
		args      []string
		wantDebug bool
		wantJSON  bool
	}{
		{nil, false, true},
		{[]string{"--zap-log-level=debug"}, true, true},
		{[]string{"--zap-log-level", "2"}, true, true},
		{[]string{"--zap-encoder=console"}, false, false},
		{[]string{"--zap-devel"}, true, false},
	} {
		var out bytes.Buffer
		logger, err := newLogger(c.args, &out, nil)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		logger.V(1).Info("debug line")
		logger.Info("info line")
		if got := strings.Contains(out.String(), "debug line"); got != c.wantDebug {
			t.Errorf("%v: debug line shown %v, want %v:\n%s", c.args, got, c.wantDebug, out.String())
		}
		if got := strings.HasPrefix(out.String(), "{"); got != c.wantJSON {
			t.Errorf("%v: JSON %v, want %v:\n%s", c.args, got, c.wantJSON, out.String())
		}
	}
	if _, err := newLogger([]string{"--zap-log-level=loud"}, &bytes.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), "zap-log-level") {
		t.Errorf("a bad level gave %v, want an error naming the flag", err)
	}
}

// The --zap-* flags are taken out of the command line before WVA's settings are parsed.
func TestSplitLogArgs(t *testing.T) {
	zapArgs, rest := splitLogArgs([]string{"--metrics-addr=:8443", "--zap-log-level", "debug", "--zap-devel", "--enable-leader-election", "-zap-encoder=console", "--probe-addr", ":8081"})
	if want := []string{"--zap-log-level", "debug", "--zap-devel", "-zap-encoder=console"}; !reflect.DeepEqual(zapArgs, want) {
		t.Errorf("zap args %v, want %v", zapArgs, want)
	}
	if want := []string{"--metrics-addr=:8443", "--enable-leader-election", "--probe-addr", ":8081"}; !reflect.DeepEqual(rest, want) {
		t.Errorf("rest %v, want %v", rest, want)
	}
}

// Timestamps carry milliseconds (RFC 3339), so the lines of one cycle can be ordered and
// timed; --zap-time-encoding still chooses another form.
func TestLogTimestampsHaveMilliseconds(t *testing.T) {
	tsPattern := regexp.MustCompile(`"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)"`)
	var out bytes.Buffer
	logger, err := newLogger(nil, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("a line")
	if !tsPattern.MatchString(out.String()) {
		t.Errorf("default timestamp is not RFC 3339 with milliseconds:\n%s", out.String())
	}
	out.Reset()
	if logger, err = newLogger([]string{"--zap-time-encoding=epoch"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	logger.Info("a line")
	if !regexp.MustCompile(`"ts":\d+\.\d+`).MatchString(out.String()) {
		t.Errorf("--zap-time-encoding=epoch not followed:\n%s", out.String())
	}
}

// LOG_LEVEL sets the level without touching the command line; --zap-log-level, when
// given, wins.
func TestLogLevelFromEnvironment(t *testing.T) {
	env := func(v string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			if k == EnvLogLevel && v != "" {
				return v, true
			}
			return "", false
		}
	}
	for _, c := range []struct {
		env       string
		args      []string
		wantDebug bool
	}{
		{"", nil, false},
		{"debug", nil, true},
		{"2", nil, true},
		{"debug", []string{"--zap-log-level=info"}, false},
		{"info", []string{"--zap-log-level", "debug"}, true},
	} {
		var out bytes.Buffer
		args, err := withEnvLevel(c.args, env(c.env))
		if err != nil {
			t.Fatalf("LOG_LEVEL=%q %v: %v", c.env, c.args, err)
		}
		logger, err := newLogger(args, &out, nil)
		if err != nil {
			t.Fatalf("LOG_LEVEL=%q %v: %v", c.env, c.args, err)
		}
		logger.V(1).Info("debug line")
		if got := strings.Contains(out.String(), "debug line"); got != c.wantDebug {
			t.Errorf("LOG_LEVEL=%q %v: debug line shown %v, want %v", c.env, c.args, got, c.wantDebug)
		}
	}
	_, err := withEnvLevel(nil, env("loud"))
	if err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") || !strings.Contains(err.Error(), "loud") {
		t.Errorf("a bad LOG_LEVEL gave %v, want an error naming the variable and the value", err)
	}
}
