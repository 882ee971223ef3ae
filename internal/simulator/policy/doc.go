// Package policy holds the scaling policies the trace simulator compares, one file per
// kind behind simulator.Policy, and the registry that builds them from configuration
// entries.
//
// A kind is a type name, a constructor that decodes the entry's own keys, and
// optionally the knob the benchmark suite tunes (one value per model, searched
// cheapest first). Adding a policy to the simulator and to every benchmark scenario is
// one file defining a Kind and one line in Builtin; the scenarios name it by type.
package policy
