package harness

import (
	"flag"
	"runtime"
	"strconv"
)

// DefaultParallel makes n the number of parallel tests (t.Parallel) run at once, unless
// the command line sets -parallel, or GOMAXPROCS is higher. Call it from TestMain before
// m.Run. go test's default, GOMAXPROCS (2 on CI), suits tests that compute; scenarios on
// a local cluster mostly wait for intervals, retention periods and controllers' syncs,
// and at that default they would leave the machine idle for most of their run.
func DefaultParallel(n int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(max(n, runtime.GOMAXPROCS(0))))
	}
}
