package scale

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/test/harness"
)

// benchSize is one row of the scale table: VAs (5 variants per model) and Pods per VA.
type benchSize struct {
	vas, podsPerVA int
}

// benchSizes reads WVA_BENCH_SCALE ("1000:5,10000:1": VAs:Pods per VA), by default the
// sizes the issue asks for: 1,000 VAs with 5,000 Pods, then 10,000 VAs with one Pod each.
func benchSizes(b *testing.B) []benchSize {
	spec := os.Getenv("WVA_BENCH_SCALE")
	if spec == "" {
		spec = "1000:5,10000:1"
	}
	var out []benchSize
	for _, part := range strings.Split(spec, ",") {
		vas, pods, ok := strings.Cut(strings.TrimSpace(part), ":")
		v, err1 := strconv.Atoi(vas)
		p, err2 := strconv.Atoi(pods)
		if !ok || err1 != nil || err2 != nil || v < 5 || v%5 != 0 || p < 1 {
			b.Fatalf("WVA_BENCH_SCALE=%q: each size is VAs:PodsPerVA with VAs a multiple of 5, e.g. 1000:5", spec)
		}
		out = append(out, benchSize{v, p})
	}
	return out
}

// benchInterval and benchCycles: the setting (GLOBAL_OPT_INTERVAL=10s), and ten
// steady cycles after the first two (which write every status once).
const (
	benchInterval = 10 * time.Second
	benchWarmup   = 2
	benchCycles   = 10
)

// BenchmarkScale runs the manager on a fleet of each size with steady load (every decision
// "hold") for benchWarmup + benchCycles cycles and prints one table row per size: per
// steady cycle the manager's wall time (its own summary line) and the part spent waiting
// on Prometheus, its CPU time, API requests by verb, status writes, PromQL queries and
// bytes read; its RSS and heap after the ten cycles. `make bench-scale` runs it; the table
// is also written to $WVA_BENCH_OUT/scale.md (bench-out by default).
func BenchmarkScale(b *testing.B) {
	var rows []string
	for _, size := range benchSizes(b) {
		name := fmt.Sprintf("vas=%d,pods=%d", size.vas, size.vas*size.podsPerVA)
		b.Run(name, func(b *testing.B) {
			rows = append(rows, runScale(b, size))
		})
	}
	table := scaleTableHeader + strings.Join(rows, "\n") + "\n"
	fmt.Print("\n" + table)
	dir := benchOut()
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "scale.md"), []byte(table), 0o644)
	}
}

// benchOut is where the table and the manager's logs go: $WVA_BENCH_OUT, bench-out by default.
func benchOut() string {
	if dir := os.Getenv("WVA_BENCH_OUT"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot, "bench-out")
}

const scaleTableHeader = `| VAs / Pods | cycle median (max) | of which Prometheus | WVA's own (cycle − Prometheus) | WVA CPU per cycle | API requests per steady cycle | status writes per steady cycle | PromQL queries per cycle | bytes read per cycle (API / Prometheus) | first cycle (writes) | RSS after 10 cycles (peak) | heap after 10 cycles |
|---|---|---|---|---|---|---|---|---|---|---|---|
`

func runScale(b *testing.B, size benchSize) string {
	b.Helper()
	sh := shape{Namespaces: max(1, size.vas/100), Models: size.vas / 5, Variants: 5, PodsPerVariant: size.podsPerVA}
	st := startStack(b, sh, 10*time.Second, os.Stderr)
	// The manager's log is kept next to the table (as wva.log in a folder per size).
	st.logDir = filepath.Join(benchOut(), fmt.Sprintf("vas-%d", size.vas))
	if err := os.MkdirAll(st.logDir, 0o755); err != nil {
		b.Fatal(err)
	}
	st.logf("starting the manager (GLOBAL_OPT_INTERVAL=%s)", benchInterval)
	m := st.startManager(b, benchInterval)
	var sums []summary
	var cpu0, cpu1 time.Duration
	deadline := time.Now().Add(time.Duration(benchWarmup+benchCycles+5) * 3 * benchInterval)
	for len(sums) < benchWarmup+benchCycles {
		if time.Now().After(deadline) {
			b.Fatalf("only %d cycles done in time", len(sums))
		}
		time.Sleep(time.Second)
		if n := len(summaries(m.Log())); n != len(sums) {
			sums = summaries(m.Log())
			last := sums[len(sums)-1]
			st.logf("  cycle %d: %s (Prometheus %s), %v status writes", len(sums), last.Duration, last.SignalsDuration, last.Fields["statusWrites"])
			cpu, err := processCPU(m.Pid())
			if err != nil {
				b.Fatal(err)
			}
			switch len(sums) {
			case benchWarmup:
				cpu0 = cpu
			case benchWarmup + benchCycles:
				cpu1 = cpu
			}
		}
	}
	rss, peak := residentMemory(b, m.Pid())
	metrics, err := m.Metrics()
	if err != nil {
		b.Fatal(err)
	}
	heap := metricValue(metrics, "go_memstats_heap_alloc_bytes")
	steady := sums[benchWarmup : benchWarmup+benchCycles]

	// Each steady cycle's requests: from the end of the cycle before to the end of its own.
	var durs, prom, own []time.Duration
	writes := 0
	requests := map[string]int{}
	var apiBytes, promBytes int64
	queries := 0
	apiReqs, promReqs := st.apiProxy.Requests(), st.promProxy.Requests()
	for i, s := range steady {
		durs = append(durs, s.Duration)
		prom = append(prom, s.SignalsDuration)
		own = append(own, s.Duration-s.SignalsDuration)
		writes += intField(s.Fields["statusWrites"])
		from, to := sums[benchWarmup+i-1].At, s.At
		for _, r := range apiReqs {
			if r.Start.After(from) && !r.Start.After(to) {
				verb, _ := harness.APIVerb(r)
				requests[verb]++
			}
		}
		for _, r := range promReqs {
			if r.Start.After(from) && !r.Start.After(to) && strings.HasPrefix(r.Path, "/api/v1/query") {
				queries++
			}
		}
		apiBytes += st.apiProxy.BytesBetween(from, to)
		promBytes += st.promProxy.BytesBetween(from, to)
	}
	n := len(steady)
	cpu := round((cpu1 - cpu0) / benchCycles)
	first := sums[0]
	row := fmt.Sprintf("| %d / %d | %s (%s) | %s | %s (%s) | %s | %s | %.1f | %d | %s / %s | %s (%d) | %.0f MiB (%.0f MiB) | %.0f MiB |",
		size.vas, size.vas*size.podsPerVA, round(median(durs)), round(maxOf(durs)), round(median(prom)), round(median(own)), round(maxOf(own)), cpu,
		perCycle(requests, n), float64(writes)/float64(len(steady)), queries/n,
		bytesText(apiBytes/int64(n)), bytesText(promBytes/int64(n)),
		round(first.Duration), intField(first.Fields["statusWrites"]), rss/(1<<20), peak/(1<<20), heap/(1<<20))
	st.logf("%s", row)
	return row
}

// perCycle renders request counts per verb divided by the number of cycles, or "none".
func perCycle(byVerb map[string]int, n int) string {
	if len(byVerb) == 0 {
		return "none"
	}
	var keys []string
	for k := range byVerb {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%.1f %s", float64(byVerb[k])/float64(n), k))
	}
	return strings.Join(parts, ", ")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func maxOf(d []time.Duration) time.Duration {
	m := d[0]
	for _, x := range d {
		m = max(m, x)
	}
	return m
}

func round(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func intField(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// metricValue reads an unlabelled sample from Prometheus text.
func metricValue(text, name string) float64 {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, name+" ") {
			v, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(l, name)), 64)
			return v
		}
	}
	return 0
}

// residentMemory reads a process's resident set now and at its peak (VmRSS, VmHWM), in bytes.
func residentMemory(b *testing.B, pid int) (now, peak float64) {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			now = kb * 1024
		case "VmHWM:":
			peak = kb * 1024
		}
	}
	return now, peak
}

// processCPU is a process's user+system CPU time.
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	rest := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, err1 := strconv.ParseInt(rest[11], 10, 64)
	stime, err2 := strconv.ParseInt(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / 100, nil // USER_HZ is 100 on Linux
}
