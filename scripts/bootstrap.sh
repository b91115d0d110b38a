#!/usr/bin/env bash
# Installs everything Pilotflow needs on a fresh Debian machine: system packages (only the
# missing ones), a virtualenv in .venv and the pinned Python packages. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # WeasyPrint's text stack; without libharfbuzz-subset0 a Chinese page takes ~17 s.
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig
  fonts-noto-cjk          # Noto Serif/Sans CJK SC for pages and PDFs
  poppler-utils           # pdftotext/pdffonts/pdftoppm used by the document tests
  chromium                # headless browser for the browser tests
  postgresql              # the production database; tests start a private cluster
  redis-server            # the job queue's store; run.sh and the tests start private ones
  python3-venv
)
# The translations are compiled from translations/*/LC_MESSAGES/messages.po at the end.

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtualenv .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing Python packages"
  log=$(mktemp)
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -r requirements-dev.txt; } >"$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  echo "$want" > "$stamp"
fi

# Compile the message catalogues (the .po files are the source; .mo files are build output).
if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then
  .venv/bin/pybabel -q compile -d translations
fi

# The charting library (Chart.js, pinned in package.json/package-lock.json) is installed with npm
# and its single UMD file copied into static/vendor/ — pages never load anything from the internet.
# The vendored copy is committed, so this runs only when it is missing.
if [ ! -f static/vendor/chart.umd.min.js ]; then
  command -v npm >/dev/null || { echo "npm is needed once to vendor Chart.js (apt-get install npm)" >&2; exit 1; }
  echo "==> vendoring Chart.js from npm"
  npm ci --no-audit --no-fund --silent
  mkdir -p static/vendor
  cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
fi
# axe-core (pinned the same way) audits every page the browser tests visit; the tests inject it
# themselves (tests/browser/axe.py), no page serves it. Also committed; recreated when missing.
if [ ! -f tests/browser/vendor/axe.min.js ]; then
  command -v npm >/dev/null || { echo "npm is needed once to vendor axe-core (apt-get install npm)" >&2; exit 1; }
  echo "==> vendoring axe-core from npm"
  npm ci --no-audit --no-fund --silent
  mkdir -p tests/browser/vendor
  cp node_modules/axe-core/axe.min.js tests/browser/vendor/axe.min.js
fi
