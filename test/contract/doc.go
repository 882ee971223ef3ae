// Package contract holds the test that pins WVA to the promises of its user documents:
// the configuration guide and the behaviour reference (verbatim copies in testdata/).
// Every default, name, key, log line, event reason, condition and metric those documents
// state is read from the documents themselves, as data, and checked against the code, so
// that changing a default or renaming a key breaks a test naming the sentence it breaks.
// The Helm chart is held to the same promises: every setting the guide names can be set
// through its values and reaches the manager under its own name, with WVA's default.
// The package has no code of its own.
package contract
