#!/usr/bin/env bash
# A small private PostgreSQL primary and its streaming replica, for the read-replica tests
# (tests/core/test_replica.py). Never a copy of the machine's main cluster, which may hold large
# benchmark databases: this primary starts empty and holds only what the tests write.
#
#   primary  127.0.0.1:5433  (wal_level=replica, trust for local connections and replication)
#   replica  127.0.0.1:5434  (pg_basebackup -R of the primary, hot standby, streaming)
#
# Idempotent: creates what is missing, starts what is down, rebuilds a replica that no longer
# belongs to its primary, and waits until the replica streams. Exits non-zero when it cannot.
set -euo pipefail

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PRIMARY_PORT=${PRM_PRIMARY_PORT:-5433}
REPLICA_PORT=${PRM_REPLICA_PORT:-5434}
if [ "$(id -u)" = 0 ]; then
  ROOT=${PRM_REPLICA_ROOT:-/var/lib/postgresql/prm-replica}
  OWNER=postgres
else
  ROOT=${PRM_REPLICA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/.data/pg-replication}
  OWNER=$(id -un)
fi
PRIMARY=$ROOT/primary
REPLICA=$ROOT/replica

# PostgreSQL refuses to run as root: the clusters belong to the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi
}

running() { as_owner "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

start() {
  running "$1" && return 0
  as_owner "$BIN/pg_ctl" -D "$1" -l "$1/server.log" -w -t 60 start >/dev/null \
    || { echo "PostgreSQL in $1 did not start:"; tail -20 "$1/server.log"; exit 1; }
}

psql_at() {
  "$BIN/psql" -X -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc "$2"
}

system_id() {
  as_owner "$BIN/pg_controldata" "$1" 2>/dev/null | awk -F: '/Database system identifier/ {gsub(/ /, "", $2); print $2}'
}

mkdir -p "$ROOT"
chown "$OWNER" "$ROOT"
chmod 700 "$ROOT"

if [ ! -f "$PRIMARY/PG_VERSION" ]; then
  echo "Creating the private primary in $PRIMARY (port $PRIMARY_PORT)"
  rm -rf "$PRIMARY"
  as_owner "$BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$PRIMARY/postgresql.conf" <<EOF

# --- private test primary (scripts/pg_replica.sh) ---
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$ROOT'
max_connections = 60
shared_buffers = 32MB
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
# Disposable test data: durability is not needed, speed is.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  cat >"$PRIMARY/pg_hba.conf" <<EOF
local   all             all                     trust
host    all             all     127.0.0.1/32    trust
local   replication     all                     trust
host    replication     all     127.0.0.1/32    trust
EOF
fi
start "$PRIMARY"

if [ -f "$REPLICA/PG_VERSION" ] && [ "$(system_id "$REPLICA")" != "$(system_id "$PRIMARY")" ]; then
  echo "The replica in $REPLICA belongs to another primary: rebuilding it"
  running "$REPLICA" && as_owner "$BIN/pg_ctl" -D "$REPLICA" -m fast -w stop >/dev/null
  rm -rf "$REPLICA"
fi
if [ ! -f "$REPLICA/PG_VERSION" ]; then
  echo "Creating the streaming replica in $REPLICA (port $REPLICA_PORT)"
  rm -rf "$REPLICA"
  as_owner "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA" \
    -R -X stream -c fast
  # -R wrote primary_conninfo and standby.signal; the copied configuration names the primary's port.
  echo "port = $REPLICA_PORT" | as_owner tee -a "$REPLICA/postgresql.auto.conf" >/dev/null
  rm -f "$REPLICA/server.log"
fi
start "$REPLICA"

for _ in $(seq 1 60); do
  if [ "$(psql_at "$REPLICA_PORT" 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] \
    && [ "$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" -ge 1 ]; then
    exit 0
  fi
  sleep 1
done
echo "The replica on port $REPLICA_PORT does not stream from the primary on port $PRIMARY_PORT:"
tail -20 "$REPLICA/server.log" 2>/dev/null || true
exit 1
