#!/bin/sh
# Run the command as autograder (uid 10000). Started as root (the worker and migrate, which start
# sandboxes on the host's Docker), it first takes the group of the Docker socket, whatever its
# number on this host, then gives up root and every capability before the command runs.
set -eu
# The database password goes into a URL (docker-compose.yml puts POSTGRES_PASSWORD there as it is):
# / @ : ? # and the like would cut the URL elsewhere, and + = % be read otherwise. Said here, at once.
case ${AUTOGRADER_DATABASE_URL:-} in
  postgresql*://*:*@*)
    userinfo=${AUTOGRADER_DATABASE_URL#*://}
    userinfo=${userinfo%@*}
    case ${userinfo#*:} in *[!A-Za-z0-9._~-]*)
      echo "error: POSTGRES_PASSWORD (the password in AUTOGRADER_DATABASE_URL) may hold only letters, digits and . _ ~ - (it goes into a URL): use e.g. openssl rand -hex 32" >&2
      exit 1;;
    esac;;
esac
if [ "$(id -u)" = 0 ]; then
  groups=10000
  socket=/var/run/docker.sock
  if [ -S "$socket" ]; then groups="$groups,$(stat -c %g "$socket")"; fi
  exec setpriv --reuid=10000 --regid=10000 --groups="$groups" --inh-caps=-all --bounding-set=-all -- "$@"
fi
exec "$@"
