#!/usr/bin/env bash
# Builds the pinned tools the tests, the demo and `make verify` need, from the Go module
# proxy, into a cache folder keyed by their pinned versions, and links them into bin/tools.
# A set that is already built is not built again.
#
#   hack/install-tools.sh [SET...]   sets: cluster prometheus adapter helm keda devtools (default: all)
#
# cluster:    etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok
#             (module hack/tools/cluster)
# prometheus: prometheus with Kubernetes service discovery (module hack/tools/prometheus)
# adapter:    prometheus-adapter, serving external.metrics.k8s.io for the HPA end-to-end tests
#             (module hack/tools/adapter)
# helm:       helm, for `helm lint`/`helm template` in `make verify` and the chart tests
# keda:       KEDA's CRDs (keda-crds.yaml), taken from the KEDA Go module's files, for the
#             test that applies config/samples/keda-scaledobject.yaml
# devtools:   controller-gen, golangci-lint (versions below)
set -euo pipefail

CONTROLLER_GEN_VERSION=v0.23.0
GOLANGCI_LINT_VERSION=v2.15.0
HELM_VERSION=v4.3.1
KEDA_VERSION=v2.21.0

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${WVA_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wva-tools}
link_dir="$root/bin/tools"
mkdir -p "$cache" "$link_dir"

log() { printf '[tools %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# key hashes what pins a set, so a changed pin builds into a new folder.
key() { cat "$@" | sha256sum | cut -c1-12; }

# build SET KEY CMD... runs CMD with $out set to an empty folder, and keeps the folder only
# if CMD succeeds; later calls with the same key do nothing.
build() {
  local set=$1 k=$2; shift 2
  local dir="$cache/$set-$k"
  if [[ -f "$dir/.complete" ]]; then
    log "$set: cached in $dir"
  else
    log "$set: building into $dir (a cold build takes minutes; progress below)"
    local started=$SECONDS
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/bin"
    out="$dir.tmp/bin" "$@"
    touch "$dir.tmp/.complete"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "$set: built in $((SECONDS - started))s"
  fi
  for f in "$dir"/bin/*; do ln -sfn "$f" "$link_dir/$(basename "$f")"; done
}

# progress prints a dot line every 30s while a long build runs, so CI logs show life.
with_progress() {
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30 & wait $! || true
    kill -0 "$pid" 2>/dev/null && log "  ... still building ($(ps -o etime= -p "$pid" | tr -d ' '))"
  done
  wait "$pid"
}

build_cluster() {
  cd "$root/hack/tools/cluster"
  with_progress go build -o "$out/" ./etcd \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl \
    sigs.k8s.io/kwok/cmd/kwok
}

build_prometheus() {
  cd "$root/hack/tools/prometheus"
  with_progress go build -tags "$(cat build-tags)" -o "$out/" github.com/prometheus/prometheus/cmd/prometheus
}

build_adapter() {
  cd "$root/hack/tools/adapter"
  with_progress go build -o "$out/prometheus-adapter" sigs.k8s.io/prometheus-adapter/cmd/adapter
}

build_helm() {
  GOBIN="$out" with_progress go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
}

# build_keda copies the CRDs out of the pinned KEDA module (checksummed by go.sum's
# database like any module), without building KEDA.
build_keda() {
  local dir
  dir=$(go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d "$dir/config/crd/bases" ]] || { echo "KEDA module $KEDA_VERSION has no config/crd/bases" >&2; return 1; }
  for f in "$dir"/config/crd/bases/*.yaml; do
    printf -- '---\n# from github.com/kedacore/keda/v2@%s %s\n' "$KEDA_VERSION" "${f#"$dir"/}"
    cat "$f"
  done > "$out/keda-crds.yaml"
}

build_devtools() {
  GOBIN="$out" with_progress go install "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_GEN_VERSION"
  GOBIN="$out" with_progress go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
}

sets=("$@")
[[ ${#sets[@]} -gt 0 ]] || sets=(cluster prometheus adapter helm keda devtools)
for s in "${sets[@]}"; do
  case $s in
    cluster) build cluster "$(key "$root"/hack/tools/cluster/go.{mod,sum})" build_cluster ;;
    prometheus) build prometheus "$(key "$root"/hack/tools/prometheus/go.{mod,sum} "$root"/hack/tools/prometheus/build-tags)" build_prometheus ;;
    adapter) build adapter "$(key "$root"/hack/tools/adapter/go.{mod,sum})" build_adapter ;;
    helm) build helm "$(echo "$HELM_VERSION $(go env GOVERSION)" | sha256sum | cut -c1-12)" build_helm ;;
    keda) build keda "$(echo "$KEDA_VERSION" | sha256sum | cut -c1-12)" build_keda ;;
    devtools) build devtools "$(echo "$CONTROLLER_GEN_VERSION $GOLANGCI_LINT_VERSION $(go env GOVERSION)" | sha256sum | cut -c1-12)" build_devtools ;;
    *) echo "unknown tool set: $s (want cluster, prometheus, adapter, helm, keda or devtools)" >&2; exit 2 ;;
  esac
done
log "tools ready in $link_dir"
