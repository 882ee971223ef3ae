// Package demo runs WVA's live demonstration: it starts the local environment (a real
// control plane with fake GPU nodes), Prometheus, simulated vLLM servers at the Pods'
// own IPs and a gateway in front of them, installs WVA and one model served by two
// variants, drives a load scenario through the gateway, shows the scaling live and
// writes a report. It is what `make demo` runs, so a newcomer sees WVA decide and act
// on a laptop with no cluster and no GPU; cmd/wva-demo only parses flags and calls Run.
package demo
