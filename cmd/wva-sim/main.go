// Command wva-sim replays request traffic (a trace in the Azure LLM inference format,
// e.g. the Azure LLM inference trace 2023, CC-BY, Azure Public Dataset, or a synthetic
// pattern) against scaling policies in virtual time and compares SLO attainment, cost
// and stability: WVA's saturation analysers (through the production decision core), an
// HPA-style rule, static provisioning and an oracle that knows the future.
//
//	wva-sim run   --config cfg.yaml [--trace file.csv] [--out dir]
//	wva-sim sweep --config cfg.yaml --policy wva-v1 --param kvCacheThreshold --values 0.6,0.7,0.8
//	wva-sim suite [--config docs/benchmarks/suite.yaml] [--out dir] [--scenario a,b] [--short]
//
// This command parses flags, wires package simulator and writes files; nothing else.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "wva-sim:", err)
		}
		os.Exit(2)
	}
}

// usage is printed for a missing or unknown subcommand.
const usage = `usage:
  wva-sim run   --config FILE [--trace FILE] [--out DIR] [--markdown]
  wva-sim sweep --config FILE --policy NAME --param KEY --values V1,V2,... [--trace FILE] [--out DIR]
  wva-sim suite [--config SUITE] [--out DIR] [--scenario NAMES] [--short] [--parallel N] [--markdown]
Run "wva-sim run -h", "wva-sim sweep -h" or "wva-sim suite -h" for the flags.`

// run dispatches to a subcommand.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		_, _ = fmt.Fprintln(stderr, usage) // best effort: the error below says it all
		return errors.New("missing subcommand")
	}
	switch args[0] {
	case "run":
		return runCompare(args[1:], stdout, stderr)
	case "sweep":
		return runSweep(args[1:], stdout, stderr)
	case "suite":
		return runSuite(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		_, err := fmt.Fprintln(stdout, usage)
		return err
	}
	_, _ = fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown subcommand %q", args[0])
}
