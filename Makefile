# Workload Variant Autoscaler. `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

TOOLS_BIN := $(CURDIR)/bin/tools
export WVA_TOOLS_BIN := $(TOOLS_BIN)
export KUBEBUILDER_ASSETS := $(TOOLS_BIN)
CONTROLLER_GEN := $(TOOLS_BIN)/controller-gen
GOLANGCI_LINT := $(TOOLS_BIN)/golangci-lint

# Test settings: generous for a loaded 2-core machine; never cached, since the tests
# exercise real components whose behaviour is not an input Go can hash.
GO_TEST_FLAGS ?= -count=1 -timeout 40m -p 2
DEMO_ARGS ?=
# Where `make bench` writes the suite's JSON and HTML report; BENCH_ARGS adds flags
# to `wva-sim suite` (e.g. --parallel 1; a --scenario filter makes the final check fail).
BENCH_OUT ?= bench-out
BENCH_ARGS ?=

.PHONY: help
help: ## Show this help.
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

# Tool sets the tests and the demo run (hack/install-tools.sh); dev tools are only for
# `make generate` and `make verify`.
RUNTIME_TOOLS ?= cluster prometheus adapter

.PHONY: tools
tools: ## Build the pinned control plane, Prometheus and prometheus-adapter the tests and demo run (cached).
	hack/install-tools.sh $(RUNTIME_TOOLS)

.PHONY: devtools
devtools: ## Build the pinned controller-gen and golangci-lint (cached).
	hack/install-tools.sh devtools

.PHONY: generate
generate: devtools ## Regenerate deep-copies, the CRD and RBAC from the Go types and markers.
	$(CONTROLLER_GEN) object paths=./api/...
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=wva-manager-role paths=./internal/controller/... output:rbac:artifacts:config=config/rbac

.PHONY: build
build: ## Build the binaries into bin/.
	go build -o bin/ ./cmd/...

.PHONY: test
test: tools verify ## Run every check and test: generated files, lint, unit, fuzz seeds, API-server integration, end to end.
	go test $(GO_TEST_FLAGS) ./...

.PHONY: verify-generated
verify-generated: generate ## Fail if the committed deep-copies, CRD or RBAC differ from what the markers generate.
	@git diff --exit-code -- api config/crd config/rbac || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api config/crd config/rbac | grep '^??')" || { echo "untracked generated files: run 'make generate' and commit"; git status --porcelain -- api config/crd config/rbac; exit 1; }

.PHONY: lint
lint: devtools ## gofmt, go vet and golangci-lint.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	$(GOLANGCI_LINT) run ./...

.PHONY: verify
verify: verify-generated lint ## Fail on stale generated files, gofmt, go vet or golangci-lint findings.

.PHONY: bench
bench: ## Benchmark suite on the trace simulator: every scenario x policy, default and tuned; table, $(BENCH_OUT)/suite.{json,html}, checks.
	go run ./cmd/wva-sim suite --config docs/benchmarks/suite.yaml --out $(BENCH_OUT) $(BENCH_ARGS)
	WVA_SUITE_RESULT=$(CURDIR)/$(BENCH_OUT)/suite.json go test -count=1 -run '^TestSuiteResult$$' ./internal/simulator/suite/

.PHONY: demo
demo: tools build ## Live demo: local cluster, WVA, two variants under a load scenario, report (docs/demo.md).
	bin/wva-demo $(DEMO_ARGS)

.PHONY: model-plots
model-plots: ## Check the HYBRID performance model against the simulated replica; charts and table into docs/images (docs/proactive-mode.md).
	go run ./cmd/wva-perfcheck --out docs/images

.PHONY: clean
clean: ## Remove built binaries (the tool cache stays).
	rm -rf bin
