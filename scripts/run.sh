#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and serves Pilotflow on 127.0.0.1 with the
# embedded SQLite database and demo data. PORT=8000 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export FLASK_APP=wsgi
.venv/bin/flask db upgrade
.venv/bin/flask demo load
PORT=${PORT:-8000}
echo
echo "==> Pilotflow is at http://127.0.0.1:$PORT/login  (Ctrl-C stops it)"
exec .venv/bin/gunicorn --bind "127.0.0.1:$PORT" --workers 2 --access-logfile - wsgi:app
