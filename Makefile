# Workload Variant Autoscaler. `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

TOOLS_BIN := $(CURDIR)/bin/tools
export WVA_TOOLS_BIN := $(TOOLS_BIN)
export KUBEBUILDER_ASSETS := $(TOOLS_BIN)
CONTROLLER_GEN := $(TOOLS_BIN)/controller-gen
GOLANGCI_LINT := $(TOOLS_BIN)/golangci-lint
HELM := $(TOOLS_BIN)/helm
CHART := charts/workload-variant-autoscaler

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
RUNTIME_TOOLS ?= cluster prometheus adapter helm keda

.PHONY: tools
tools: ## Build the pinned control plane, Prometheus, prometheus-adapter, Helm and KEDA's CRDs the tests and demo use (cached).
	hack/install-tools.sh $(RUNTIME_TOOLS)

.PHONY: devtools
devtools: ## Build the pinned controller-gen and golangci-lint (cached).
	hack/install-tools.sh devtools

.PHONY: generate
generate: devtools ## Regenerate deep-copies, the CRD and RBAC from the Go types and markers.
	$(CONTROLLER_GEN) object paths=./api/...
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=wva-manager-role paths=./internal/controller/... output:rbac:artifacts:config=config/rbac
	$(CONTROLLER_GEN) rbac:roleName=wva-direct-actuation-role paths=./internal/actuator/... output:rbac:artifacts:config=config/components/direct-actuation
	cp config/crd/bases/llmd.ai_variantautoscalings.yaml $(CHART)/crds/

.PHONY: build
build: ## Build the binaries into bin/.
	go build -o bin/ ./cmd/...

# The manager's OCI image (internal/image, cmd/wva-image): no container engine, no base
# image, the same digest for the same sources. SOURCE_DATE_EPOCH is the commit's time.
IMAGE_DIR ?= bin/image
IMAGE_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE_PLATFORMS ?= linux/amd64
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
REGISTRY ?=
IMAGE_NAME ?= wva

.PHONY: image
image: ## Build the manager's OCI image into bin/image (IMAGE_PLATFORMS=linux/amd64,linux/arm64 for more).
	go run ./cmd/wva-image build --out $(IMAGE_DIR) --platforms $(IMAGE_PLATFORMS) --version $(IMAGE_VERSION) \
	  --revision $$(git rev-parse HEAD 2>/dev/null || echo unknown) --source-date-epoch $(SOURCE_DATE_EPOCH)

.PHONY: image-push
image-push: image ## Push the image: make image-push REGISTRY=registry.example.com/team [IMAGE_NAME=wva IMAGE_VERSION=v0.1.0].
	@test -n "$(REGISTRY)" || { echo "set REGISTRY, e.g. make image-push REGISTRY=registry.example.com/team"; exit 1; }
	go run ./cmd/wva-image push --layout $(IMAGE_DIR) --ref $(REGISTRY)/$(IMAGE_NAME):$(IMAGE_VERSION)

.PHONY: test
test: tools verify ## Run every check and test: generated files, lint, unit, fuzz seeds, API-server integration, end to end.
	go test $(GO_TEST_FLAGS) ./...

.PHONY: verify-generated
verify-generated: generate ## Fail if the committed deep-copies, CRD or RBAC differ from what the markers generate.
	@git diff --exit-code -- api config/crd config/rbac config/components $(CHART)/crds || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api config/crd config/rbac config/components $(CHART)/crds | grep '^??')" || { echo "untracked generated files: run 'make generate' and commit"; git status --porcelain -- api config/crd config/rbac config/components $(CHART)/crds; exit 1; }

.PHONY: lint
lint: devtools ## gofmt, go vet and golangci-lint.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	$(GOLANGCI_LINT) run ./...

.PHONY: helm
helm:
	hack/install-tools.sh helm

# The value sets the chart is checked with: defaults, and every optional part switched on.
CHART_VALUE_SETS := "" \
	"--set wva.actuation.mode=direct --set wva.configMap.immutable=true --set wva.controllerInstance=instance-a" \
	"--set wva.externalMetrics.enabled=true --set serviceMonitor.enabled=true --set wva.watchNamespaces={team-a,team-b}" \
	"--set wva.prometheus.tls.caConfigMap=prom-ca --set wva.prometheus.tls.clientCertSecret=prom-client --set wva.prometheus.bearerToken.secretName=prom-token --set serviceMonitor.enabled=true --set serviceMonitor.certSecret=metrics-cert --set wva.gateway.metricsURL=https://epp:9090/metrics --set wva.gateway.bearerToken.secretName=epp-token --set wva.gateway.tls.caConfigMap=epp-ca"

.PHONY: lint-chart
lint-chart: helm ## helm lint and helm template the chart with its value sets.
	@for v in $(CHART_VALUE_SETS); do \
	  echo "helm lint/template $(CHART) $$v"; \
	  $(HELM) lint --strict $(CHART) $$v >/dev/null || { $(HELM) lint --strict $(CHART) $$v; exit 1; }; \
	  $(HELM) template wva $(CHART) --namespace workload-variant-autoscaler-system $$v >/dev/null; \
	done

.PHONY: verify
verify: verify-generated lint lint-chart ## Fail on stale generated files, gofmt, go vet, golangci-lint or helm lint/template findings.

.PHONY: bench
bench: ## Benchmark suite on the trace simulator: every scenario x policy, default and tuned; table, $(BENCH_OUT)/suite.{json,html}, checks.
	go run ./cmd/wva-sim suite --config docs/benchmarks/suite.yaml --out $(BENCH_OUT) $(BENCH_ARGS)
	WVA_SUITE_RESULT=$(abspath $(BENCH_OUT))/suite.json go test -count=1 -tags bench -run '^TestSuiteResult$$' ./internal/simulator/suite/

.PHONY: bench-hpa-latency
bench-hpa-latency: tools ## Measure decision → HPA action through prometheus-adapter and the built-in external metrics API (5 runs each, minutes).
	WVA_MEASURE_HPA_LATENCY=$${RUNS:-5} go test -count=1 -tags bench -timeout 60m -run TestMeasureDecisionToHPAAction -v ./test/e2e/

WAKE_RUNS ?= 5
WAKE_OUT ?= bench-out/wake

.PHONY: bench-wake
bench-wake: tools ## Measure scale from zero on real components, WAKE_RUNS runs per actuation path; table in $(WAKE_OUT).md (docs/scale-to-zero.md).
	@mkdir -p $(dir $(WAKE_OUT))
	WVA_WAKE_RUNS=$(WAKE_RUNS) WVA_WAKE_OUT=$(CURDIR)/$(WAKE_OUT) go test -count=1 -tags bench -timeout 60m -run '^TestWakeTimeline$$' -v ./test/e2e/

# Mutation lists to run (default: every testdata/mutations.yaml) and extra flags, e.g.
# make mutate MUTATE_ARGS='-run v2 -j 1'.
MUTATIONS ?=
MUTATE_ARGS ?=

.PHONY: mutate
mutate: tools ## Apply each mutation of the lists (testdata/mutations.yaml) to a copy of the repository and report the survivors by rule (docs/testing.md).
	go run ./hack/mutate $(MUTATE_ARGS) $(MUTATIONS)

# Sizes of `make bench-scale` (VAs:Pods per VA, comma-separated); see test/scale.
BENCH_SCALE ?= 1000:5,10000:1

.PHONY: bench-scale
bench-scale: tools ## Scale benchmark on the real control plane (kwok Pods, synthetic Prometheus): 1,000 VAs / 5,000 Pods and 10,000 VAs; prints the table of docs/controller.md.
	WVA_BENCH_SCALE=$(BENCH_SCALE) WVA_BENCH_OUT=$(CURDIR)/$(BENCH_OUT) go test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 180m ./test/scale/

# How long `make soak` churns (a Go duration: one churn step per 2 s, each step's API calls
# on top); `make test` runs a 75 s smoke form.
SOAK_DURATION ?= 30m

.PHONY: soak
soak: tools ## Soak WVA on the real local environment under churn (VAs, Deployments, ConfigMaps, load) for SOAK_DURATION (30m); goroutines, heap and open fds must stay flat (docs/reliability.md).
	WVA_SOAK_DURATION=$(SOAK_DURATION) go test -count=1 -timeout 0 -run '^TestSoakChurn$$' -v ./test/integration/

.PHONY: demo
demo: tools build ## Live demo: local cluster, WVA, two variants under a load scenario, report (docs/demo.md).
	bin/wva-demo $(DEMO_ARGS)

.PHONY: model-plots
model-plots: ## Check the HYBRID performance model against the simulated replica; charts and table into docs/images (docs/proactive-mode.md).
	go run ./cmd/wva-perfcheck --out docs/images

.PHONY: clean
clean: ## Remove built binaries (the tool cache stays).
	rm -rf bin
