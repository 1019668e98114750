#!/usr/bin/env bash
# make image: build the SKMS image and prove it works, all without a network.
#
#   1. the local base image (tools/deploy/base-image.sh; once, ~4-14 min, then cached);
#   2. a build context: the sources (tracked and new files, no build output), the runtime
#      wheels picked from the wheelhouse by the lock's hashes (offline), the native wheel if
#      `make native` built one;
#   3. `docker build` with the legacy builder and --network none;
#   4. inside the image, with --network none, --read-only and a fresh volume for the home:
#      `skms demo`, then `skms audit verify`; then `skms serve` until the HEALTHCHECK reports
#      healthy; and the user must not be root;
#   5. with SKMS_KAFKA_BOOTSTRAP set (host:port,... of a Kafka on loopback), compose's
#      Kafka mode for real, on the host network: tools/deploy/compose/skms-init.sh (init on a
#      fresh topic prefix, the "prometheus" auditor and its client certificate), `skms serve
#      --store kafka://...`, then /metrics scraped with that certificate as Prometheus does
#      (and refused without it).
#
#   SKMS_IMAGE (default skms:dev), SKMS_WHEELHOUSE (default .wheelhouse), SKMS_KEEP_CONTEXT=1
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
IMAGE="${SKMS_IMAGE:-skms:dev}"
WHEELHOUSE="${SKMS_WHEELHOUSE:-.wheelhouse}"
case "$WHEELHOUSE" in /*) ;; *) WHEELHOUSE="$REPO/$WHEELHOUSE" ;; esac
PY="$REPO/.venv/bin/python"
PASSPHRASE="image-check-passphrase-not-a-secret"
export DOCKER_BUILDKIT=0

say() { echo "image: $*" >&2; }
start=$SECONDS
bash "$REPO/tools/deploy/base-image.sh"

CTX="$(mktemp -d /tmp/skms-image-context.XXXXXX)"
VOLUME="skms-image-check-$$"
CONTAINER="skms-image-check-$$"
cleanup() {
    docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
    docker volume rm "$VOLUME" >/dev/null 2>&1 || true
    [ "${SKMS_KEEP_CONTEXT:-}" = 1 ] || rm -rf "$CTX"
}
trap cleanup EXIT

say "build context in $CTX"
mkdir -p "$CTX/src" "$CTX/wheels" "$CTX/requirements" "$CTX/tools/deploy"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard -- \
    pyproject.toml README.md ledger projections commands schemas ':!:ledger/native' \
    | xargs -0 -I{} sh -c 'test -f "{}" && echo "{}"' \
    | tar -c -T - | tar -C "$CTX/src" -x)
cp "$REPO/requirements/runtime.txt" "$REPO/requirements/tools.txt" "$CTX/requirements/"
cp "$REPO/tools/deploy/Dockerfile" "$REPO/tools/deploy/healthcheck.py" "$CTX/tools/deploy/"
"$PY" -m pip download -q --no-index --find-links "$WHEELHOUSE" --no-deps --require-hashes \
    -r "$REPO/requirements/runtime.txt" -r "$REPO/requirements/tools.txt" -d "$CTX/wheels"
native=("$REPO"/ledger/native/target/wheels/skms_native-*.whl)
if [ -f "${native[0]}" ]; then
    mkdir -p "$CTX/wheels/native" && cp "${native[@]}" "$CTX/wheels/native/"
fi

build_start=$SECONDS
docker build -q --network none -f "$CTX/tools/deploy/Dockerfile" -t "$IMAGE" "$CTX" >/dev/null
say "built $IMAGE in $((SECONDS - build_start)) s ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"

uid="$(docker run --rm --network none --entrypoint /usr/bin/id "$IMAGE" -u)"
[ "$uid" != 0 ] || { say "the image runs as root"; exit 1; }

docker volume create "$VOLUME" >/dev/null
run=(docker run --rm --network none --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m
     -v "$VOLUME:/home/skms" -e SKMS_PASSPHRASE="$PASSPHRASE" "$IMAGE")
"${run[@]}" demo >/dev/null
"${run[@]}" audit verify
say "skms demo + skms audit verify passed inside the image (uid $uid, read-only root, no network)"

docker run -d --name "$CONTAINER" --network none --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m \
    -v "$VOLUME:/home/skms" -e SKMS_PASSPHRASE="$PASSPHRASE" \
    --health-interval 2s --health-start-period 60s --health-retries 3 "$IMAGE" >/dev/null
for _ in $(seq 1 90); do
    status="$(docker inspect -f '{{.State.Health.Status}}' "$CONTAINER")"
    [ "$status" = healthy ] && break
    [ "$(docker inspect -f '{{.State.Running}}' "$CONTAINER")" = true ] || break
    sleep 1
done
if [ "$status" != healthy ]; then
    say "the HEALTHCHECK never reported healthy ($status)"; docker logs "$CONTAINER" 2>&1 | tail -20 >&2
    exit 1
fi
say "skms serve is healthy (HEALTHCHECK /healthz)"

if [ -n "${SKMS_KAFKA_BOOTSTRAP:-}" ]; then
    case ",$SKMS_KAFKA_BOOTSTRAP" in *,127.*|*,localhost:*) ;; *)
        say "SKMS_KAFKA_BOOTSTRAP must name loopback brokers only"; exit 1 ;; esac
    docker rm -f "$CONTAINER" >/dev/null
    KHOME="skms-image-check-kafka-$$"
    CERTS="$CTX/metrics-client"
    trap 'cleanup; docker volume rm "$KHOME" >/dev/null 2>&1 || true' EXIT
    docker volume create "$KHOME" >/dev/null
    printf '%s' "$PASSPHRASE" > "$CTX/passphrase" && chmod 0644 "$CTX/passphrase"
    STORE="kafka://$SKMS_KAFKA_BOOTSTRAP?prefix=imagecheck$$x$RANDOM"
    port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    REST="$(port)"; GRPC="$(port)"
    hardened=(--network host --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m --user 10001:10001
              --cap-drop ALL --security-opt no-new-privileges:true -e SKMS_HOME=/home/skms/ledger
              -v "$CTX/passphrase:/run/secrets/skms-passphrase:ro" -v "$KHOME:/home/skms")
    docker run --rm "${hardened[@]}" -e SKMS_STORE="$STORE" \
        -v "$REPO/tools/deploy/compose/skms-init.sh:/opt/skms-compose/skms-init.sh:ro" \
        --entrypoint /bin/sh "$IMAGE" /opt/skms-compose/skms-init.sh
    docker run -d --name "$CONTAINER" "${hardened[@]}" \
        -e SKMS_HEALTH_URL="https://127.0.0.1:$REST/healthz" --health-interval 2s "$IMAGE" \
        --passphrase-file /run/secrets/skms-passphrase --store "$STORE" serve \
        --host 127.0.0.1 --rest-port "$REST" --grpc-port "$GRPC" --mtls-optional >/dev/null
    for _ in $(seq 1 90); do
        status="$(docker inspect -f '{{.State.Health.Status}}' "$CONTAINER")"
        [ "$status" = healthy ] && break
        sleep 1
    done
    [ "$status" = healthy ] || { say "Kafka-mode serve never healthy"; docker logs "$CONTAINER" 2>&1 | tail -20 >&2; exit 1; }
    mkdir -p "$CERTS" && chmod 0777 "$CERTS"
    docker run --rm --network none -v "$KHOME:/home/skms:ro" -v "$CERTS:/out" \
        --entrypoint /bin/sh "$IMAGE" -c 'cp /home/skms/metrics-client/* /out/'
    tls=(--resolve "localhost:$REST:127.0.0.1" --cacert "$CERTS/ca.pem")
    metrics="$(curl -sf "${tls[@]}" --cert "$CERTS/client.pem" --key "$CERTS/client.key" \
        "https://localhost:$REST/metrics")"
    grep -q '^skms_chain_head_seq{chain="system"}' <<<"$metrics" || {
        say "/metrics with Prometheus' certificate lacks skms_chain_head_seq"; exit 1; }
    code="$(curl -s -o /dev/null -w '%{http_code}' "${tls[@]}" "https://localhost:$REST/metrics")"
    [ "$code" = 401 ] || { say "/metrics without a certificate answered $code, not 401"; exit 1; }
    say "compose's Kafka mode: skms-init.sh, serve on Kafka, mTLS scrape of /metrics as the auditor prometheus (401 without)"
fi
say "done in $((SECONDS - start)) s"
