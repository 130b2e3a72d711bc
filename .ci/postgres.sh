# Start a throw-away PostgreSQL cluster in a temporary folder and export MOTORSEQ_TEST_POSTGRES_URL.
# Sourced by .ci/run; the cluster is stopped and removed when the shell exits. PostgreSQL refuses to
# run as root, so as root the cluster belongs to the `postgres` user of the Debian package.
start_test_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$bin" ]; then echo "postgresql not installed: the PostgreSQL tests will skip"; return 0; fi
  PG_TMP="$(mktemp -d /tmp/motorseq-pg.XXXXXX)"
  local as=()
  if [ "$(id -u)" = "0" ]; then chown postgres "$PG_TMP"; as=(runuser -u postgres --); fi
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U motorseq --auth=trust -E UTF8 >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
  trap 'stop_test_postgres' EXIT
  PG_BIN="$bin"; PG_AS=("${as[@]}")
  export MOTORSEQ_TEST_POSTGRES_URL="postgresql://motorseq@127.0.0.1:$port/postgres"
  echo "test PostgreSQL at $MOTORSEQ_TEST_POSTGRES_URL"
}

stop_test_postgres() {
  if [ -n "${PG_TMP:-}" ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
