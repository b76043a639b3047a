#!/usr/bin/env bash
# Build the sandbox image for one language (default: python); do nothing when it is current.
# With a registry: base.Dockerfile FROM debian:bookworm-slim. Without: mmdebstrap + docker import.
# Both install the same packages.txt, then Dockerfile adds the harness on top.
set -euo pipefail
language=${1:-python}
dir=$(cd "$(dirname "$0")/$language" && pwd)
image=${AUTOGRADER_SANDBOX_IMAGE:-autograder-$language:latest}
base=autograder-$language-base:latest

digest_of() { (cd "$dir" && find "$@" -type f ! -name '*.pyc' ! -path '*__pycache__*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16); }
label_of() { docker image inspect -f '{{ index .Config.Labels "autograder.digest" }}' "$1" 2>/dev/null || true; }

base_digest=$(digest_of packages.txt base.Dockerfile)
image_digest=$(digest_of .)
if [ "$(label_of "$image")" = "$image_digest" ]; then
  echo "sandbox image $image is current"
  exit 0
fi

if [ "$(label_of "$base")" != "$base_digest" ]; then
  packages=$(grep -v '^#' "$dir/packages.txt" | paste -sd, -)
  if timeout 30 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
    echo "building $base from debian:bookworm-slim"
    docker build -q -f "$dir/base.Dockerfile" --label "autograder.digest=$base_digest" -t "$base" "$dir"
  else
    echo "no registry reachable: building $base offline with mmdebstrap ($packages)"
    if ! command -v mmdebstrap >/dev/null; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
      else
        echo "error: mmdebstrap is needed to build the sandbox image offline: install it (apt-get install mmdebstrap)" >&2
        exit 1
      fi
    fi
    rootfs=$(mktemp --suffix=.tar)
    trap 'rm -f "$rootfs"' EXIT
    mmdebstrap --quiet --variant=apt --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      bookworm "$rootfs"
    docker import --change "LABEL autograder.digest=$base_digest" "$rootfs" "$base" >/dev/null
  fi
fi

echo "building $image"
docker build -q --build-arg "BASE=$base" --label "autograder.digest=$image_digest" -t "$image" "$dir" >/dev/null
echo "sandbox image $image is ready"
