#!/bin/sh
# PostgreSQL for the compose network. The first start creates the cluster with the superuser
# POSTGRES_USER (password POSTGRES_PASSWORD) and the database POSTGRES_DB, in a folder beside
# $PGDATA that is renamed only when complete: a start stopped halfway leaves nothing half-made.
set -eu
: "${POSTGRES_USER:=autograder}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "error: set POSTGRES_PASSWORD: the database is created with it on its first start" >&2
    exit 1
  fi
  echo "creating the database cluster: user $POSTGRES_USER, database $POSTGRES_DB"
  new="$PGDATA.new"
  rm -rf "$new"
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  initdb --pgdata="$new" --username="$POSTGRES_USER" --pwfile="$password_file" --encoding=UTF8 \
    --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$password_file"
  if [ "$POSTGRES_DB" != postgres ]; then
    # Single-user mode: no server listens yet, so nothing connects to a half-made database.
    printf 'CREATE DATABASE "%s"\n' "$POSTGRES_DB" | postgres --single -D "$new" postgres >/dev/null
  fi
  echo "host all all all scram-sha-256" >>"$new/pg_hba.conf"
  mv "$new" "$PGDATA"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
