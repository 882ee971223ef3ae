package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary counts the outcomes of a run.
type Summary struct {
	Total, Killed, TimedOut, Survived, Equivalent, Invalid int
	Workers                                                int
	Elapsed                                                time.Duration
}

// summarise counts outcomes; an argued-equivalent survivor is counted apart.
func summarise(outcomes []Outcome, workers int, elapsed time.Duration) Summary {
	s := Summary{Total: len(outcomes), Workers: workers, Elapsed: elapsed}
	for _, o := range outcomes {
		switch o.Status {
		case Killed:
			s.Killed++
		case TimedOut:
			s.TimedOut++
		case Invalid:
			s.Invalid++
		case Survived:
			if o.Mutation.Equivalent != "" {
				s.Equivalent++
			} else {
				s.Survived++
			}
		}
	}
	return s
}

// Failed reports whether the run should fail: a survivor not argued equivalent, or a
// mutation that does not build.
func (s Summary) Failed() bool { return s.Survived > 0 || s.Invalid > 0 }

// writeReport prints the report in Markdown: the counts, then the survivors by rule,
// the argued-equivalent survivors with their argument, and invalid mutations.
func writeReport(w io.Writer, outcomes []Outcome, s Summary) {
	fmt.Fprintf(w, "## Mutation report\n\n%d mutations: %d killed, %d timed out (counted as killed), %d survived, "+
		"%d survived but argued equivalent, %d invalid. %d worker(s), %s.\n",
		s.Total, s.Killed, s.TimedOut, s.Survived, s.Equivalent, s.Invalid, s.Workers, s.Elapsed.Round(time.Second))
	section := func(title string, keep func(Outcome) bool, extra func(Outcome) string) {
		byRule := map[string][]Outcome{}
		var rules []string
		for _, o := range outcomes {
			if !keep(o) {
				continue
			}
			if _, ok := byRule[o.Mutation.Rule]; !ok {
				rules = append(rules, o.Mutation.Rule)
			}
			byRule[o.Mutation.Rule] = append(byRule[o.Mutation.Rule], o)
		}
		if len(rules) == 0 {
			return
		}
		fmt.Fprintf(w, "\n### %s\n\n", title)
		for _, rule := range rules {
			fmt.Fprintf(w, "- **%s**\n", rule)
			for _, o := range byRule[rule] {
				m := o.Mutation
				fmt.Fprintf(w, "  - `%s:%d` `%s` → `%s`%s\n", m.File, m.line, oneLine(m.From), oneLine(m.To), extra(o))
			}
		}
	}
	section("Survivors by rule", func(o Outcome) bool { return o.Status == Survived && o.Mutation.Equivalent == "" },
		func(Outcome) string { return "" })
	section("Survivors argued equivalent", func(o Outcome) bool { return o.Status == Survived && o.Mutation.Equivalent != "" },
		func(o Outcome) string { return ": " + o.Mutation.Equivalent })
	section("Invalid mutations (do not build; fix the list)", func(o Outcome) bool { return o.Status == Invalid },
		func(o Outcome) string { return ": " + o.By })
	section("Timed out", func(o Outcome) bool { return o.Status == TimedOut }, func(Outcome) string { return "" })
	if s.Survived == 0 && s.Invalid == 0 {
		fmt.Fprintf(w, "\nNo survivors.\n")
	}
}

// oneLine shortens a snippet for a report line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	return strings.ReplaceAll(s, "`", "'")
}
