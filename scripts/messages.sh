#!/usr/bin/env bash
# Refreshes the interface's message catalogues: extracts the English strings, merges them into
# each language's .po (translators edit those), and compiles the .mo files cdlink loads.
# Both are committed, so a fresh clone needs no build step.
set -euo pipefail
cd "$(dirname "$0")/.."
BABEL=.venv/bin/pybabel
LOCALE=src/cdlink/web/locale
TEMPLATE="$LOCALE/messages.pot"

"$BABEL" -q extract -F babel.cfg -k translatable -k gettext:2 --no-location --sort-output \
  --omit-header --project cdlink -o "$TEMPLATE" src/cdlink
for language in fr; do
  if [ -f "$LOCALE/$language/LC_MESSAGES/messages.po" ]; then
    "$BABEL" -q update --no-fuzzy-matching --ignore-obsolete -i "$TEMPLATE" -d "$LOCALE" -l "$language"
  else
    "$BABEL" -q init -i "$TEMPLATE" -d "$LOCALE" -l "$language"
  fi
done
"$BABEL" -q compile --statistics -d "$LOCALE" 2>&1 | grep -v '^$' || true
