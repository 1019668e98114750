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
#      healthy; and the user must not be root.
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
say "done in $((SECONDS - start)) s"
