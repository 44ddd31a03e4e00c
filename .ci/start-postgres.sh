#!/usr/bin/env bash
# Install (if absent) and start a local PostgreSQL for the test suite's Postgres leg.
# CI runs as root, so the server runs as the `postgres` user. Idempotent.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
# Trust local connections: the test databases are throwaway and the server listens on loopback only.
hba=/etc/postgresql/$ver/main/pg_hba.conf
if ! grep -q "assent-ci" "$hba"; then
  { echo "# assent-ci"; echo "local all all trust"; echo "host all all 127.0.0.1/32 trust"; echo "host all all ::1/128 trust"; cat "$hba"; } > "$hba.new"
  mv "$hba.new" "$hba"
  chown postgres:postgres "$hba"
  changed=1
fi
conf=/etc/postgresql/$ver/main/postgresql.conf
grep -q "^max_connections = 300" "$conf" || { echo "max_connections = 300" >> "$conf"; changed=1; }
grep -q "^listen_addresses = 'localhost'" "$conf" || { echo "listen_addresses = 'localhost'" >> "$conf"; changed=1; }
if su postgres -c "psql -h 127.0.0.1 -Atc 'select 1'" >/dev/null 2>&1 && [ "${changed:-0}" = 0 ]; then
  echo "postgres $ver is already up on 127.0.0.1:5432"
  exit 0
fi
pg_ctlcluster "$ver" main restart || pg_ctlcluster "$ver" main start
for _ in $(seq 1 30); do
  if su postgres -c "psql -h 127.0.0.1 -Atc 'select 1'" >/dev/null 2>&1; then
    echo "postgres $ver is up on 127.0.0.1:5432"
    exit 0
  fi
  sleep 1
done
echo "postgres did not start" >&2
exit 1
