#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and runs the whole test suite, first on the
# embedded SQLite database, then on a private PostgreSQL cluster it starts and stops itself.
# Extra arguments go to pytest (e.g. scripts/test.sh -k lifecycle).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

echo "==> dependency audit: known vulnerabilities in the pinned packages (pip-audit, needs PyPI)"
audit_log=$(mktemp)
set +e
.venv/bin/pip-audit -r requirements.txt --progress-spinner off ${PILOTFLOW_AUDIT_STRICT:+--strict} 2>&1 | tee "$audit_log"
audit_status=${PIPESTATUS[0]}
set -e
skipped=$(grep -c "could not be audited" "$audit_log" || true)
rm -f "$audit_log"
[ "$audit_status" -eq 0 ] || { echo "pip-audit found known vulnerabilities (or failed): bump the pins above" >&2; exit 1; }
# A package index that lacks PyPI's per-release JSON makes pip-audit skip packages silently;
# PILOTFLOW_AUDIT_STRICT=1 turns a skipped package into a failure.
[ "$skipped" -eq 0 ] || echo "WARNING: pip-audit could not audit $skipped packages (see above)" >&2

source scripts/pg.sh
trap pg_stop EXIT
pg_start

# Everything but the browser and cluster tests runs on every core (each test has its own database
# copy); those drive Chromium or start servers as processes, and run on their own, one at a time.
# The browser tests run once, on SQLite: they test what a person sees and does, which the database
# does not change (every page, form and API call runs on both databases in the first command);
# the cluster test needs PostgreSQL. Running the browser tests twice cost some three minutes.
WORKERS=${PILOTFLOW_TEST_WORKERS:-$(nproc)}
# Each pytest process rewrites the test modules' asserts, and each Python process compiles the
# app, unless the bytecode is cached; an environment that forbids writing it (as some CI images
# do) made every run of the suite pay that again (~8 s a process, with its workers and servers).
unset PYTHONDONTWRITEBYTECODE
suite() {  # $1: the marker of the tests with servers of their own that run on this database
  local own=$1 arg
  shift
  .venv/bin/python -m pytest -n "$WORKERS" -m "not browser and not cluster" "$@"
  # Those tests live in tests/<marker>/: collecting only there skips the rest of the suite's
  # collection (the API contract test alone generates its examples for ~10 s). Paths given as
  # arguments are searched instead.
  local where=("tests/$own")
  for arg in "$@"; do [ -e "${arg%%::*}" ] && where=(); done
  .venv/bin/python -m pytest -m "$own" "$@" "${where[@]}" || [ $? -eq 5 ]  # 5: arguments selected none
}

echo "==> test suite on SQLite"
suite browser "$@"
echo "==> test suite on PostgreSQL"
PILOTFLOW_TEST_DATABASE_URL="$PILOTFLOW_PG_URL" suite cluster "$@"
