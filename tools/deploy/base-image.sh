#!/usr/bin/env bash
# The image's base, built locally: no image registry is reachable from here, so `FROM python:...`
# cannot be pulled. debootstrap lays a minimal Debian bookworm (the distribution this machine
# runs, so the cp311 wheels of the lock and the native wheel fit) from Debian's packages, and
# `docker import` turns the tree into the image skms-base:bookworm that tools/deploy/Dockerfile
# builds FROM. Built once: an existing image of that tag is kept (pass --rebuild to redo it).
#
#   tools/deploy/base-image.sh [--rebuild]
#
#   SKMS_BASE_IMAGE   tag (default skms-base:bookworm)
#   SKMS_DEBIAN_MIRROR  (default: the first deb.debian.org-style URI apt uses here)
set -euo pipefail

TAG="${SKMS_BASE_IMAGE:-skms-base:bookworm}"
SUITE=bookworm
MIRROR="${SKMS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# python3-venv brings ensurepip (the builder stage makes its venv with it); ca-certificates for
# TLS to Kafka or an OTLP/Zipkin collector; tini reaps children and forwards signals as PID 1.
PACKAGES=python3,python3-venv,ca-certificates,tini

say() { echo "base-image: $*" >&2; }

if [ "${1:-}" != --rebuild ] && docker image inspect "$TAG" >/dev/null 2>&1; then
    say "$TAG exists (pass --rebuild to rebuild it)"
    exit 0
fi
command -v debootstrap >/dev/null || { say "debootstrap is required (apt-get install debootstrap)"; exit 1; }

ROOT="$(mktemp -d /tmp/skms-base.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
start=$SECONDS
say "debootstrap $SUITE (minbase + $PACKAGES) into $ROOT"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || {
    tail -20 "$ROOT.log" >&2; exit 1; }
rm -f "$ROOT.log"
# Smaller and reproducible-ish: no apt lists, caches, docs or man pages in the image.
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/usr/share/doc/* \
    "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/* "$ROOT"/var/log/*
tar -C "$ROOT" -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    - "$TAG" >/dev/null
say "built $TAG in $((SECONDS - start)) s"
