#!/usr/bin/env bash
# A local dockerd for `make image`, started only with the networking that cannot reach
# anything: no bridge (the default docker0 is 172.17.0.0/16, a private range nothing here may
# send to), no iptables, no forwarding or masquerading. Containers then run with
# `--network none` (or the host network). Only the legacy builder is used (DOCKER_BUILDKIT=0).
#
#   tools/deploy/dockerd.sh install  Debian's docker.io and debootstrap, unless present (root)
#   tools/deploy/dockerd.sh up       start one unless a daemon answers already
#   tools/deploy/dockerd.sh down     stop the one this script started (its pid file)
set -euo pipefail

STATE="${SKMS_DEPLOY_HOME:-$HOME/.cache/skms/deploy}/dockerd"
PIDFILE="$STATE/dockerd.pid"
say() { echo "dockerd: $*" >&2; }

case "${1:-}" in
    install)
        if command -v dockerd >/dev/null && command -v debootstrap >/dev/null; then exit 0; fi
        [ "$(id -u)" -eq 0 ] || { say "installing docker.io and debootstrap needs root"; exit 1; }
        export DEBIAN_FRONTEND=noninteractive
        apt=(apt-get -o DPkg::Lock::Timeout=600)
        "${apt[@]}" install -y --no-install-recommends docker.io debootstrap || {
            "${apt[@]}" update
            "${apt[@]}" install -y --no-install-recommends docker.io debootstrap
        }
        ;;
    up)
        if docker info >/dev/null 2>&1; then say "a daemon answers already"; exit 0; fi
        command -v dockerd >/dev/null || { say "dockerd is required (apt-get install docker.io)"; exit 1; }
        mkdir -p "$STATE"
        dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
            --pidfile "$PIDFILE" >"$STATE/dockerd.log" 2>&1 &
        for _ in $(seq 1 60); do
            docker info >/dev/null 2>&1 && { say "up (log $STATE/dockerd.log)"; exit 0; }
            sleep 1
        done
        say "did not answer in 60 s"; tail -20 "$STATE/dockerd.log" >&2; exit 1
        ;;
    down)
        [ -f "$PIDFILE" ] || { say "not started by this script"; exit 0; }
        kill "$(cat "$PIDFILE")" && say "stopped"
        ;;
    *) echo "usage: $0 install|up|down" >&2; exit 2 ;;
esac
