#!/usr/bin/env bash
# SoftHSM2 for SKMS tests: install it when missing, make throw-away tokens.
#
#   tools/softhsm/softhsm.sh install              install Debian's softhsm2 if it is missing
#   tools/softhsm/softhsm.sh module               print the PKCS#11 module path (exit 1 if none)
#   tools/softhsm/softhsm.sh token DIR [LABEL]    make a token under DIR; print its environment
#
# `token` writes, under DIR (created, mode 0700):
#   softhsm2.conf       SoftHSM's config, pointing at DIR/tokens only (never the system's)
#   tokens/             the token store
#   LABEL.user.pin      the user PIN, mode 0600, no trailing newline
#   LABEL.so.pin        the security officer PIN, mode 0600
# and prints shell-quoted `export` lines (eval "$(tools/softhsm/softhsm.sh token DIR)"):
#   SOFTHSM2_CONF, SKMS_PKCS11_MODULE, SKMS_PKCS11_TOKEN_LABEL, SKMS_PKCS11_PIN_FILE,
#   SKMS_PKCS11_SO_PIN_FILE
# Run it again with the same DIR and another LABEL for a second token beside the first (same
# SOFTHSM2_CONF); a process that already loaded the module must re-initialise it to see it.
# LABEL (default skms-test): 1 to 32 of A-Z a-z 0-9 . _ -
#
# The PINs are random per token. softhsm2-util takes them only as arguments, so they are
# visible in the process list for the moment it runs: acceptable for a throw-away test token,
# never for a real one (initialise real tokens with the vendor's tooling).
#
# Installing needs root (it runs apt-get update && apt-get install -y softhsm2); as another
# user it fails with a line saying so.
set -euo pipefail

die() { echo "softhsm.sh: error: $*" >&2; exit 1; }
say() { echo "softhsm.sh: $*" >&2; }

find_module() {
    local candidate
    for candidate in /usr/lib/softhsm/libsofthsm2.so \
                     /usr/lib/*/softhsm/libsofthsm2.so \
                     /usr/local/lib/softhsm/libsofthsm2.so; do
        if [[ -f "$candidate" ]]; then echo "$candidate"; return 0; fi
    done
    return 1
}

install_softhsm() {
    if command -v softhsm2-util >/dev/null 2>&1 && find_module >/dev/null; then
        return 0
    fi
    [[ "$(id -u)" == 0 ]] || die "softhsm2 is missing and installing it needs root (apt-get install softhsm2)"
    command -v apt-get >/dev/null 2>&1 || die "softhsm2 is missing and this is not a Debian-like system"
    say "installing softhsm2 (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq softhsm2 >&2
    command -v softhsm2-util >/dev/null 2>&1 || die "softhsm2-util still missing after install"
    find_module >/dev/null || die "libsofthsm2.so still missing after install"
}

random_pin() {
    # 16 random bytes as 32 hex digits: printable, so it survives every PIN interface.
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

make_token() {
    local dir="$1" label="${2:-skms-test}"
    [[ -n "$dir" ]] || die "token needs a directory"
    [[ "$label" =~ ^[A-Za-z0-9._-]{1,32}$ ]] || die "a label is 1 to 32 of A-Z a-z 0-9 . _ -"
    command -v softhsm2-util >/dev/null 2>&1 || die "softhsm2 is not installed (run: $0 install)"
    local module
    module="$(find_module)" || die "libsofthsm2.so not found"
    umask 077
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    chmod 700 "$dir"
    local user_pin="$dir/$label.user.pin" so_pin="$dir/$label.so.pin"
    [[ ! -e "$user_pin" ]] || die "$dir already holds a token labelled $label"
    if [[ ! -f "$dir/softhsm2.conf" ]]; then
        mkdir -p "$dir/tokens"
        printf '%s\n' "directories.tokendir = $dir/tokens" "objectstore.backend = file" \
            "log.level = ERROR" "slots.removable = false" >"$dir/softhsm2.conf"
        chmod 600 "$dir/softhsm2.conf"
    fi
    printf '%s' "$(random_pin)" >"$user_pin"
    printf '%s' "$(random_pin)" >"$so_pin"
    chmod 600 "$user_pin" "$so_pin"
    SOFTHSM2_CONF="$dir/softhsm2.conf" softhsm2-util --init-token --free --label "$label" \
        --so-pin "$(cat "$so_pin")" --pin "$(cat "$user_pin")" >/dev/null \
        || die "softhsm2-util could not initialise the token"
    printf 'export SOFTHSM2_CONF=%q\n' "$dir/softhsm2.conf"
    printf 'export SKMS_PKCS11_MODULE=%q\n' "$module"
    printf 'export SKMS_PKCS11_TOKEN_LABEL=%q\n' "$label"
    printf 'export SKMS_PKCS11_PIN_FILE=%q\n' "$user_pin"
    printf 'export SKMS_PKCS11_SO_PIN_FILE=%q\n' "$so_pin"
}

case "${1:-}" in
    install) install_softhsm ;;
    module) find_module || die "libsofthsm2.so not found (run: $0 install)" ;;
    token) shift; [[ $# -ge 1 ]] || die "usage: $0 token DIR [LABEL]"; make_token "$@" ;;
    *) die "usage: $0 install | module | token DIR [LABEL]" ;;
esac
