#!/usr/bin/env bash
# Debian's chromium for the dashboard's browser tests (tests/dashboard), installed once.
# Playwright drives it through its executable path; no browser is ever downloaded by
# Playwright (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, never `playwright install`).
set -euo pipefail
CHROMIUM="${SKMS_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing and installing it needs root: apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium || {
  apt-get -o DPkg::Lock::Timeout=600 update
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium
}
test -x "$CHROMIUM"
