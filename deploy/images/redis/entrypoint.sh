#!/bin/sh
# Redis for the compose network: persistent (append-only file in /data), asking for REDIS_PASSWORD
# when it is set. The password comes as configuration on stdin, never on a command line.
# Redis only carries work (the database is the truth), so a failed snapshot must never stop writes.
set -eu
config=""
if [ -n "${REDIS_PASSWORD:-}" ]; then
  case $REDIS_PASSWORD in *[!A-Za-z0-9._~-]*)
    echo "error: REDIS_PASSWORD may hold only letters, digits and . _ ~ - (it goes into a URL): use e.g. openssl rand -hex 32" >&2
    exit 1;;
  esac
  config="requirepass $REDIS_PASSWORD"
fi
# exec, the configuration as a here-document: Redis itself is process 1 and hears `docker stop`.
exec redis-server - --dir /data --bind 0.0.0.0 --protected-mode no --port 6379 \
  --appendonly yes --save "" --stop-writes-on-bgsave-error no "$@" <<EOF
$config
EOF
