#!/usr/bin/env bash
# Build the images of the compose stack (docker-compose.yml): autograder-app, autograder-redis and
# autograder-postgres; each one that is current (its digest label) is left as it is.
# Like sandbox/images/build.sh: a base from packages.txt, FROM debian:bookworm-slim where a registry
# is reachable and with mmdebstrap + docker import where none is, then the image's Dockerfile on top.
# The app's Python dependencies are wheels built here on the host (pip wheel), where PyPI is
# reachable: containers never download anything. Our own code is copied in as it is. PYTHON names the Python that builds them (default: Debian's
# /usr/bin/python3, the interpreter of the image).
# Usage: deploy/images/build.sh [app|redis|postgres]...   (default: all three)
set -euo pipefail
images=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$images/../.." && pwd)
[ $# -gt 0 ] || set -- app redis postgres

hash_files() { LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -c1-16; }
digest_of() { (cd "$1" && shift && find "$@" -type f ! -name '*.pyc' ! -path '*__pycache__*' | hash_files); }
label_of() { docker image inspect -f '{{ index .Config.Labels "autograder.digest" }}' "$1" 2>/dev/null || true; }

registry=""
registry_reachable() {  # asked once, and only when a base has to be built
  if [ -z "$registry" ]; then
    if timeout 30 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then registry=yes; else registry=no; fi
  fi
  [ "$registry" = yes ]
}

build_base() {  # build_base NAME: autograder-NAME-base from packages.txt, unless current
  local dir=$images/$1 base=autograder-$1-base:latest digest packages rootfs
  digest=$(digest_of "$dir" packages.txt base.Dockerfile)
  [ "$(label_of "$base")" != "$digest" ] || return 0
  packages=$(grep -v '^#' "$dir/packages.txt" | paste -sd, -)
  if registry_reachable; then
    echo "building $base from debian:bookworm-slim"
    local output
    output=$(docker build -q -f "$dir/base.Dockerfile" --label "autograder.digest=$digest" -t "$base" "$dir" 2>&1) \
      || { echo "$output" >&2; exit 1; }
    return
  fi
  echo "no registry reachable: building $base offline with mmdebstrap ($packages)"
  if ! command -v mmdebstrap >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
    else
      echo "error: mmdebstrap is needed to build the images offline: install it (apt-get install mmdebstrap)" >&2
      exit 1
    fi
  fi
  rootfs=$(mktemp --suffix=.tar)
  mmdebstrap --quiet --variant=apt --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$rootfs" || { rm -f "$rootfs"; exit 1; }
  docker import --change "LABEL autograder.digest=$digest" "$rootfs" "$base" >/dev/null
  rm -f "$rootfs"
}

build_image() {  # build_image NAME DIGEST CONTEXT
  local image=autograder-$1:latest
  echo "building $image"
  local output  # the legacy builder's notice of deprecation is noise: shown only when the build fails
  output=$(docker build -q --network none --build-arg "BASE=autograder-$1-base:latest" --label "autograder.digest=$2" \
    -f "$images/$1/Dockerfile" -t "$image" "$3" 2>&1) || { echo "$output" >&2; exit 1; }
  echo "$image is ready"
}

# The wheels of the app's dependencies: kept in build/, made again only when pyproject.toml changes.
app_wheels() {  # app_wheels FOLDER
  # Debian's own python3 by default: the image runs that very interpreter, so the wheels' markers
  # (python_full_version < "3.11.3", say) are read as the image reads them.
  local python=${PYTHON:-/usr/bin/python3} deps
  if ! "$python" -m pip --version >/dev/null 2>&1 && [ "$python" = /usr/bin/python3 ] && [ "$(id -u)" = 0 ] \
      && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
      || ! "$python" -m pip --version >/dev/null 2>&1; then
    echo "error: the app's wheels are built with Debian bookworm's Python 3.11 and pip, as in the image:" \
      "install python3-pip, or set PYTHON to such a Python" >&2
    exit 1
  fi
  deps=$root/build/wheelhouse-$(cat "$root/pyproject.toml" | sha256sum | cut -c1-16)
  if [ ! -d "$deps" ]; then
    echo "downloading the app's Python packages into $deps"
    rm -rf "$deps.tmp" && mkdir -p "$deps.tmp"
    "$python" -m pip wheel -q --disable-pip-version-check -w "$deps.tmp" "$root" 2>&1 | { grep -v '^WARNING: Location' || true; }
    rm -f "$deps.tmp"/autograder-*.whl
    rm -rf "$root/build/lib" "$root/build/bdist."* "$root/autograder.egg-info"  # left by building our own wheel
    mv "$deps.tmp" "$deps"
  fi
  cp -r "$deps" "$1/wheels"
}

for name in "$@"; do
  case $name in
    app)
      digest=$( { digest_of "$images" app; digest_of "$root" pyproject.toml grader sandbox web ! -name '*.mo'; } | sha256sum | cut -c1-16)
      if [ "$(label_of autograder-app:latest)" = "$digest" ]; then echo "autograder-app:latest is current"; continue; fi
      build_base app
      stage=$(mktemp -d)
      app_wheels "$stage"
      cp "$images/app/entrypoint.sh" "$stage/"
      mkdir "$stage/src"
      tar -C "$root" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.mo' -cf - grader sandbox web | tar -C "$stage/src" -xf -
      build_image app "$digest" "$stage"
      rm -rf "$stage";;
    redis|postgres)
      digest=$(digest_of "$images" "$name")
      if [ "$(label_of "autograder-$name:latest")" = "$digest" ]; then echo "autograder-$name:latest is current"; continue; fi
      build_base "$name"
      build_image "$name" "$digest" "$images/$name";;
    *) echo "error: unknown image $name (app, redis or postgres)" >&2; exit 2;;
  esac
done
