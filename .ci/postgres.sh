# Sourced by .ci/run: starts a throwaway PostgreSQL cluster for the conformance tests and exports
# HOMEWARD_TEST_POSTGRES_URL. Installs Debian's postgresql if the machine has none.
pg_bindir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
if [ -z "$(pg_bindir)" ]; then
    echo "== installing postgresql (Debian)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(pg_bindir)"
if [ -z "$PG_BIN" ]; then
    echo "PostgreSQL could not be installed" >&2
    return 1 2>/dev/null || exit 1
fi
PG_DIR="$(mktemp -d /tmp/homeward-pg.XXXXXX)"
PG_PORT=$(( 20000 + RANDOM % 20000 ))
chown postgres:postgres "$PG_DIR"
# PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
stop_postgres() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1; rm -rf "$PG_DIR"; }
export HOMEWARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PG_PORT"
