// Package plot draws line and scatter charts as inline SVG with no dependencies, so the
// trace simulator's and the demo's HTML reports are single self-contained files that
// render offline, in any browser, and in headless Chromium for checks.
package plot
