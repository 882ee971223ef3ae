package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	crzap "sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// zapFlagPrefix marks controller-runtime's logging flags (--zap-log-level, --zap-encoder,
// --zap-devel, --zap-stacktrace-level, --zap-time-encoding): they set the log level and
// format at start-up, as in every controller-runtime manager.
const zapFlagPrefix = "zap-"

// splitLogArgs separates the --zap-* flags (with their values) from WVA's own settings.
func splitLogArgs(args []string) (zapArgs, rest []string) {
	bools := map[string]bool{"zap-devel": true}
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(args[i], "-")
		if !strings.HasPrefix(args[i], "-") || !strings.HasPrefix(name, zapFlagPrefix) {
			rest = append(rest, args[i])
			continue
		}
		zapArgs = append(zapArgs, args[i])
		if !strings.Contains(name, "=") && !bools[name] && i+1 < len(args) {
			i++
			zapArgs = append(zapArgs, args[i])
		}
	}
	return zapArgs, rest
}

// logFlags are the --zap-* flags bound to o.
func logFlags(o *crzap.Options) *flag.FlagSet {
	fs := flag.NewFlagSet("wva", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.BindFlags(fs)
	return fs
}

// printLogUsage adds the --zap-* flags to --help.
func printLogUsage(w io.Writer) {
	fmt.Fprintln(w, "Logging (controller-runtime flags, command line only; see docs/configuration.md):")
	fs := logFlags(&crzap.Options{})
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// timeLayout is the default timestamp: RFC 3339 with milliseconds, so that the lines of
// one decision cycle (tens of milliseconds) can be ordered and timed.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// newLogger builds the process logger from the --zap-* flags, writing to w. As in every
// controller-runtime manager, production mode (the default) writes JSON at info level and
// samples repetitive lines (per message and level: the first 100 in a second, then one in
// 100), and --zap-devel or a debug level turns sampling off. Unlike there, the messages in
// unsampled and every error are never sampled: a cycle's per-variant decision lines and
// its summary all reach the log, at any number of variants.
func newLogger(zapArgs []string, w io.Writer, unsampled []string) (logr.Logger, error) {
	o := crzap.Options{}
	if err := logFlags(&o).Parse(zapArgs); err != nil {
		return logr.Discard(), fmt.Errorf("logging flags %s: %w", strings.Join(zapArgs, " "), err)
	}
	newEncoder := o.NewEncoder
	if newEncoder == nil {
		newEncoder = jsonEncoder
		if o.Development {
			newEncoder = consoleEncoder
		}
	}
	level, stack := o.Level, o.StacktraceLevel
	if level == nil {
		level = zapcore.InfoLevel
		if o.Development {
			level = zapcore.DebugLevel
		}
	}
	if stack == nil {
		stack = zapcore.ErrorLevel
		if o.Development {
			stack = zapcore.WarnLevel
		}
	}
	timeEncoder := o.TimeEncoder
	if timeEncoder == nil {
		timeEncoder = zapcore.TimeEncoderOfLayout(timeLayout)
	}
	enc := newEncoder(func(c *zapcore.EncoderConfig) { c.EncodeTime = timeEncoder })
	sink := zapcore.AddSync(w)
	core := zapcore.NewCore(&crzap.KubeAwareEncoder{Encoder: enc, Verbose: o.Development}, sink, level)
	if !o.Development && !level.Enabled(zapcore.Level(-2)) {
		core = sampleExcept(core, unsampled)
	}
	opts := []zap.Option{zap.AddStacktrace(stack), zap.ErrorOutput(sink)}
	if o.Development {
		opts = append(opts, zap.Development())
	}
	return zapr.NewLogger(zap.New(core, opts...)), nil
}

// jsonEncoder is production mode's encoder, as controller-runtime builds it.
func jsonEncoder(opts ...crzap.EncoderConfigOption) zapcore.Encoder {
	c := zap.NewProductionEncoderConfig()
	for _, o := range opts {
		o(&c)
	}
	return zapcore.NewJSONEncoder(c)
}

// consoleEncoder is development mode's encoder, as controller-runtime builds it.
func consoleEncoder(opts ...crzap.EncoderConfigOption) zapcore.Encoder {
	c := zap.NewDevelopmentEncoderConfig()
	for _, o := range opts {
		o(&c)
	}
	return zapcore.NewConsoleEncoder(c)
}

// sampleExcept samples core's entries as controller-runtime does, except errors and the
// given messages, which always pass.
func sampleExcept(core zapcore.Core, messages []string) zapcore.Core {
	keep := make(map[string]bool, len(messages))
	for _, m := range messages {
		keep[m] = true
	}
	return &exemptCore{Core: core, sampled: zapcore.NewSamplerWithOptions(core, time.Second, 100, 100), keep: keep}
}

// exemptCore routes each entry either straight to the core or through its sampler.
type exemptCore struct {
	zapcore.Core
	sampled zapcore.Core
	keep    map[string]bool
}

// With adds fields to both routes (the sampler keeps its counts).
func (c *exemptCore) With(fields []zapcore.Field) zapcore.Core {
	return &exemptCore{Core: c.Core.With(fields), sampled: c.sampled.With(fields), keep: c.keep}
}

// Check lets kept entries through unsampled and hands the rest to the sampler.
func (c *exemptCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if e.Level >= zapcore.ErrorLevel || c.keep[e.Message] {
		return c.Core.Check(e, ce)
	}
	return c.sampled.Check(e, ce)
}

// EnvLogLevel is the environment variable that sets the log level when --zap-log-level is
// not given: `kubectl set env` changes it without editing the command line.
const EnvLogLevel = "LOG_LEVEL"

// withEnvLevel adds --zap-log-level from EnvLogLevel unless the flags set it already. A
// value the flag would refuse is an error naming the variable.
func withEnvLevel(zapArgs []string, lookup func(string) (string, bool)) ([]string, error) {
	v, ok := lookup(EnvLogLevel)
	if !ok || v == "" {
		return zapArgs, nil
	}
	for _, a := range zapArgs {
		if name := strings.TrimLeft(a, "-"); name == "zap-log-level" || strings.HasPrefix(name, "zap-log-level=") {
			return zapArgs, nil
		}
	}
	arg := "--zap-log-level=" + v
	if err := logFlags(&crzap.Options{}).Parse([]string{arg}); err != nil {
		return nil, fmt.Errorf("%s=%q: want debug, info, error or a verbosity such as 2", EnvLogLevel, v)
	}
	return append(append([]string(nil), zapArgs...), arg), nil
}
