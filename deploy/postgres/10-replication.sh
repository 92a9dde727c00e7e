#!/bin/bash
# First start of the primary (docker-entrypoint-initdb.d): the role a streaming replica connects
# with (docker-compose.yml, service db-replica) and its pg_hba line. wal_level is `replica` by
# default, with enough WAL senders.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="${REPLICATION_PASSWORD:-replicator}" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
