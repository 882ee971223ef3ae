// Package harness runs the built wva manager for the integration and end-to-end suites:
// as its own ServiceAccount (a TokenRequest kubeconfig), with the documented environment,
// its log kept and shown when a test fails, and its /metrics within reach — so both
// suites check what a user would check, with one copy of the plumbing.
package harness
