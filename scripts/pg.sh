# Sourced by scripts/test.sh: a private, throw-away PostgreSQL cluster for the test run.
# PostgreSQL refuses to run as root, so the cluster belongs to the 'postgres' system user.
# PG_PORT chooses the port (default: a random one); PG_OPTIONS adds server settings
# (e.g. "-c shared_preload_libraries=pg_stat_statements", as bench/run.py does).
pg_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$(mktemp -d /tmp/pilotflow-pg.XXXXXX)
  PG_PORT=${PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bindir/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
      -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 ${PG_OPTIONS:-}" start >/dev/null
  export PILOTFLOW_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "==> PostgreSQL test cluster on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  local bindir as=()
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
