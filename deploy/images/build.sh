#!/usr/bin/env bash
# Build the images of the compose stack (docker-compose.yml): autograder-app, autograder-redis and
# autograder-postgres; each one that is current (its digest label) is left as it is.
# Like sandbox/images/build.sh (and with its lib.sh): one base for the three, autograder-stack-base, from
# base/packages.txt, FROM debian:bookworm-slim where a registry is reachable and with mmdebstrap + docker
# import where none is; then each image's Dockerfile on top.
# The app's Python dependencies are wheels built here on the host (pip wheel), where PyPI is
# reachable: containers never download anything. Our own code is copied in as it is. PYTHON names the Python that builds them (default: Debian's
# /usr/bin/python3, the interpreter of the image).
# Usage: deploy/images/build.sh [app|redis|postgres]...   (default: all three)
set -euo pipefail
images=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$images/../.." && pwd)
[ $# -gt 0 ] || set -- app redis postgres

base=autograder-stack-base:latest
# shellcheck source=sandbox/images/lib.sh
. "$root/sandbox/images/lib.sh"

build_image() {  # build_image NAME DIGEST CONTEXT
  local image=autograder-$1:latest
  echo "building $image"
  local output  # the legacy builder's notice of deprecation is noise: shown only when the build fails
  output=$(docker build -q --network none --build-arg "BASE=$base" --label "autograder.digest=$2" \
    -f "$images/$1/Dockerfile" -t "$image" "$3" 2>&1) || { echo "$output" >&2; exit 1; }
  echo "$image is ready"
}

# The Python that makes the app's wheels: Debian's own python3 by default, the very interpreter of the
# image, so the wheels' markers (python_full_version < "3.11.3", say) are read as the image reads them.
pick_python() {
  python=${PYTHON:-/usr/bin/python3}
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
}

# The wheels of the app's dependencies: kept in build/, made again only when pyproject.toml changes.
app_wheels() {  # app_wheels FOLDER
  local deps
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

# Which images are out of date: those whose digest label differs from the digest of their files.
declare -A digests
stale=()
for name in "$@"; do
  case $name in
    app) digest=$( { digest_of "$images" app base; digest_of "$root" pyproject.toml grader sandbox web ! -name '*.mo'; } \
           | sha256sum | cut -c1-16);;
    redis|postgres) digest=$(digest_of "$images" "$name" base);;
    *) echo "error: unknown image $name (app, redis or postgres)" >&2; exit 2;;
  esac
  if [ "$(label_of "autograder-$name:latest")" = "$digest" ]; then
    echo "autograder-$name:latest is current"
  else
    stale+=("$name")
    digests[$name]=$digest
  fi
done
[ ${#stale[@]} -gt 0 ] || exit 0

# The base and the app's wheels side by side: a first build is mostly downloading and unpacking.
if [[ " ${stale[*]} " == *" app "* ]]; then pick_python; fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
build_base "$base" "$images/base" "$(digest_of "$images/base" .)" &
jobs=($!)
if [[ " ${stale[*]} " == *" app "* ]]; then
  app_wheels "$stage" &
  jobs+=($!)
fi
for job in "${jobs[@]}"; do
  wait "$job" || { echo "error: the images were not built (see above)" >&2; exit 1; }
done

for name in "${stale[@]}"; do
  if [ "$name" = app ]; then
    cp "$images/app/entrypoint.sh" "$stage/"
    mkdir "$stage/src"
    tar -C "$root" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.mo' -cf - grader sandbox web | tar -C "$stage/src" -xf -
    build_image app "${digests[app]}" "$stage"
  else
    build_image "$name" "${digests[$name]}" "$images/$name"
  fi
done
