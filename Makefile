# Workload Variant Autoscaler. `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

TOOLS_BIN := $(CURDIR)/bin/tools
export WVA_TOOLS_BIN := $(TOOLS_BIN)
export KUBEBUILDER_ASSETS := $(TOOLS_BIN)
CONTROLLER_GEN := $(TOOLS_BIN)/controller-gen
GOLANGCI_LINT := $(TOOLS_BIN)/golangci-lint

# Test settings: generous for a loaded 2-core machine.
GO_TEST_FLAGS ?= -timeout 40m -p 2
DEMO_ARGS ?=

.PHONY: help
help: ## Show this help.
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Build the pinned control plane, Prometheus and dev tools (cached).
	hack/install-tools.sh

.PHONY: generate
generate: ## Regenerate deep-copies, the CRD and RBAC from the Go types and markers.
	hack/install-tools.sh devtools
	$(CONTROLLER_GEN) object paths=./api/...
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=wva-manager-role paths=./internal/controller/... output:rbac:artifacts:config=config/rbac

.PHONY: build
build: ## Build the binaries into bin/.
	go build -o bin/ ./cmd/...

.PHONY: test
test: tools ## Run every test: unit, fuzz seeds, API-server integration and end-to-end.
	go test $(GO_TEST_FLAGS) ./...

.PHONY: verify
verify: generate ## Fail on stale generated files, gofmt, go vet or golangci-lint findings.
	@git diff --exit-code -- api config || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api config | grep '^??')" || { echo "untracked generated files: run 'make generate' and commit"; git status --porcelain -- api config; exit 1; }
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	$(GOLANGCI_LINT) run ./...

.PHONY: demo
demo: tools build ## Start the local environment with WVA and a sample model; Ctrl-C stops it.
	bin/wva-demo $(DEMO_ARGS)

.PHONY: clean
clean: ## Remove built binaries (the tool cache stays).
	rm -rf bin
