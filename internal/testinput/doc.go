// Package testinput finds the inputs tests read from outside the repository, such as the
// shared production trace, and decides what a missing one means. On a developer's machine
// a missing optional input skips the test, saying what is missing and how to provide it;
// in CI (the environment variable CI set to true) it fails the test, so that a suite meant
// to be complete can never pass by skipping. Only a missing file is optional: any other
// problem reading it, and any problem with its contents, is the test's failure to report.
package testinput
