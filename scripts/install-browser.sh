#!/usr/bin/env bash
# Installs the browser the end-to-end tests drive: Debian's own Chromium package, at
# /usr/bin/chromium. Idempotent and quiet: it does nothing when the browser is already there.
# The tests never download a browser build of their own.
set -euo pipefail

BROWSER=/usr/bin/chromium

if [ -x "$BROWSER" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-browser: $BROWSER is missing; run 'apt-get install chromium' as root" >&2
  exit 1
fi
echo "install-browser: installing Debian's chromium package (once)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-browser: could not install chromium (see above)" >&2
  exit 1
fi
