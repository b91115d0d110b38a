#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and serves Pilotflow on 127.0.0.1 with the
# embedded SQLite database, demo data (on the first run, two programme years of history: see
# `flask demo load`), a private redis-server (a socket under instance/) and one job worker.
# PORT=8000 by default. Ctrl-C stops all three. At the end it prints which demo account to start
# with and what each one finds waiting (`flask demo waiting`, read from their inboxes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export FLASK_APP=wsgi
.venv/bin/flask db upgrade
.venv/bin/flask demo load
PORT=${PORT:-8000}

mkdir -p instance/redis
export REDIS_URL="unix://$PWD/instance/redis/redis.sock"
pids=()
stop_all() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop_all INT TERM EXIT

redis-server --port 0 --unixsocket "$PWD/instance/redis/redis.sock" --unixsocketperm 700 \
  --dir "$PWD/instance/redis" --save "" --appendonly no --loglevel warning &
pids+=($!)
for _ in $(seq 50); do [ -S instance/redis/redis.sock ] && break; sleep 0.1; done
.venv/bin/flask worker --name "pilotflow-worker-$$" &
pids+=($!)
.venv/bin/gunicorn --bind "127.0.0.1:$PORT" --workers 2 --access-logfile - wsgi:app &
pids+=($!)

echo
echo "==> 试点通已启动：http://127.0.0.1:$PORT/login（Ctrl-C 停止网页服务、任务进程和 Redis）"
echo "    Pilotflow is at http://127.0.0.1:$PORT/login  (Ctrl-C stops the web server, the worker and Redis)"
echo "    任务队列 job queue: $REDIS_URL · 一个任务进程 one worker · \`.venv/bin/flask jobs status\` shows its work"
echo
.venv/bin/flask demo waiting | sed 's/^/    /' || true
wait -n "${pids[@]}"
