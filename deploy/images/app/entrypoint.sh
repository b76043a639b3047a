#!/bin/sh
# Run the command as autograder (uid 10000). Started as root (the worker and migrate, which start
# sandboxes on the host's Docker), it first takes the group of the Docker socket, whatever its
# number on this host, then gives up root and every capability before the command runs.
set -eu
if [ "$(id -u)" = 0 ]; then
  groups=10000
  socket=/var/run/docker.sock
  if [ -S "$socket" ]; then groups="$groups,$(stat -c %g "$socket")"; fi
  exec setpriv --reuid=10000 --regid=10000 --groups="$groups" --inh-caps=-all --bounding-set=-all -- "$@"
fi
exec "$@"
