package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// List is one mutation list file: the tests that must notice, and the mutations.
type List struct {
	// Packages are the go test package patterns run against every mutation of the list,
	// relative to the repository root, e.g. ./internal/decision/...
	Packages []string `json:"packages"`
	// Run, when set, limits the tests to those go test -run selects, e.g. the fast unit
	// tests of a package whose other tests need real components.
	Run string `json:"run,omitempty"`
	// Mutations are the deliberate mistakes, each applied alone.
	Mutations []Mutation `json:"mutations"`
}

// Mutation is one deliberate mistake: a snippet of a file replaced by another.
type Mutation struct {
	// Rule names the behaviour the mutation breaks; the report groups survivors by it.
	Rule string `json:"rule"`
	// File is the file to change, relative to the repository root.
	File string `json:"file"`
	// From is the original snippet; it must occur exactly once in File.
	From string `json:"from"`
	// To replaces From.
	To string `json:"to"`
	// Packages, when set, replace the list's packages for this mutation.
	Packages []string `json:"packages,omitempty"`
	// Run, when set, replaces the list's -run selection for this mutation.
	Run string `json:"run,omitempty"`
	// Equivalent, when set, argues why no test can tell the mutant from the original
	// (it behaves the same); such a survivor is reported but is not a failure.
	Equivalent string `json:"equivalent,omitempty"`

	// source is the list file the mutation came from, for messages.
	source string
	// line is the line of File where From starts.
	line int
}

// testArgs are the go test arguments of the mutation: an optional -run, then packages.
func (m Mutation) testArgs(l List) []string {
	pkgs, run := m.Packages, m.Run
	if len(pkgs) == 0 {
		pkgs = l.Packages
	}
	if run == "" {
		run = l.Run
	}
	if run == "" {
		return pkgs
	}
	return append([]string{"-run", run}, pkgs...)
}

// label names a mutation in progress lines and reports.
func (m Mutation) label() string {
	return fmt.Sprintf("%s:%d %s", m.File, m.line, m.Rule)
}

// loadLists reads list files and checks every mutation against the repository at root:
// the file exists and the snippet occurs exactly once, so a list that no longer fits the
// code fails loudly instead of testing nothing.
func loadLists(root string, paths []string) ([]List, error) {
	var lists []List
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var l List
		if err := yaml.UnmarshalStrict(data, &l); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if len(l.Packages) == 0 {
			errs = append(errs, fmt.Errorf("%s: no packages: say which tests must notice the mutations", p))
		}
		for i := range l.Mutations {
			m := &l.Mutations[i]
			m.source = p
			if err := m.locate(root); err != nil {
				errs = append(errs, fmt.Errorf("%s: mutation %d (%q): %w", p, i+1, m.Rule, err))
			}
		}
		lists = append(lists, l)
	}
	return lists, errors.Join(errs...)
}

// locate checks the mutation against the file and finds its line.
func (m *Mutation) locate(root string) error {
	switch {
	case m.Rule == "":
		return errors.New("no rule: name the behaviour the mutation breaks")
	case m.File == "" || m.From == "":
		return errors.New("file and from are required")
	case m.From == m.To:
		return errors.New("from and to are the same: that is no mutation")
	case filepath.IsAbs(m.File) || strings.HasPrefix(filepath.Clean(m.File), ".."):
		return fmt.Errorf("file %s must be relative to the repository root", m.File)
	}
	data, err := os.ReadFile(filepath.Join(root, m.File))
	if err != nil {
		return err
	}
	text := string(data)
	if n := strings.Count(text, m.From); n != 1 {
		return fmt.Errorf("%s holds the snippet %q %d times, want exactly once: the list no longer fits the code", m.File, m.From, n)
	}
	at := strings.Index(text, m.From) // found: counted once above
	m.line = 1 + strings.Count(text[:at], "\n")
	return nil
}

// apply returns the file's content with the mutation applied.
func (m Mutation) apply(original []byte) []byte {
	return []byte(strings.Replace(string(original), m.From, m.To, 1))
}
