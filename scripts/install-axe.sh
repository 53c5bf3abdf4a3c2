#!/usr/bin/env bash
# Installs axe-core, the accessibility engine the browser tests inject into each page, into
# .tools/axe (test tooling only: cdlink never serves it). Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
TARGET=.tools/axe
SCRIPT="$TARGET/node_modules/axe-core/axe.min.js"
if [ -f "$SCRIPT" ] && grep -q "\"version\": \"$VERSION\"" "$TARGET/node_modules/axe-core/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-axe: npm is missing; install Node.js (apt-get install npm)" >&2
  exit 1
fi
mkdir -p "$TARGET"
npm install --silent --no-audit --no-fund --no-save --prefix "$TARGET" "axe-core@$VERSION" >/dev/null
test -f "$SCRIPT"
