#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and runs the whole test suite, first on the
# embedded SQLite database, then on a private PostgreSQL cluster it starts and stops itself.
# Extra arguments go to pytest (e.g. scripts/test.sh -k lifecycle).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
source scripts/pg.sh
trap pg_stop EXIT
pg_start

echo "==> test suite on SQLite"
.venv/bin/python -m pytest "$@"
echo "==> test suite on PostgreSQL"
PILOTFLOW_TEST_DATABASE_URL="$PILOTFLOW_PG_URL" .venv/bin/python -m pytest "$@"
