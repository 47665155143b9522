#!/usr/bin/env bash
# Install and start a local PostgreSQL from Debian's packages for the server tests, and create
# the role and database they use. Idempotent: safe to run when it is already set up.
#
# Prints the URL the tests read from SDD_TEST_POSTGRES_URL on stdout (last line), e.g.
#   export SDD_TEST_POSTGRES_URL="$(bash .ci/postgres-setup.sh | tail -n1)"
set -euo pipefail

URL="postgresql://sdd:sdd@127.0.0.1:5432/sdd_test"

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

VER="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VER main"; then
    pg_createcluster "$VER" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "$VER" main start >&2
fi

# wait until it accepts connections (at most ~30 s)
for _ in $(seq 1 60); do
    if su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1; then break; fi
    sleep 0.5
done

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -c \"$1\""; }
if [ "$(psql_admin "select 1 from pg_roles where rolname='sdd'")" != "1" ]; then
    psql_admin "create role sdd login password 'sdd' createdb" >&2
fi
if [ "$(psql_admin "select 1 from pg_database where datname='sdd_test'")" != "1" ]; then
    psql_admin "create database sdd_test owner sdd" >&2
fi

echo "$URL"
