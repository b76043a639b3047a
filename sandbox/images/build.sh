#!/usr/bin/env bash
# Build the sandbox image for one language (default: python); do nothing when it is current.
# With a registry: base.Dockerfile FROM debian:bookworm-slim. Without: mmdebstrap + docker import.
# Both install the same packages.txt, then Dockerfile adds the harness on top (lib.sh: what
# deploy/images/build.sh shares with this script).
set -euo pipefail
language=${1:-python}
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/$language
image=${AUTOGRADER_SANDBOX_IMAGE:-autograder-$language:latest}
base=autograder-$language-base:latest
# shellcheck source=sandbox/images/lib.sh
. "$here/lib.sh"

image_digest=$(digest_of "$dir" .)
if [ "$(label_of "$image")" = "$image_digest" ]; then
  echo "sandbox image $image is current"
  exit 0
fi

build_base "$base" "$dir" "$(digest_of "$dir" packages.txt base.Dockerfile)"
echo "building $image"
docker build -q --build-arg "BASE=$base" --label "autograder.digest=$image_digest" -t "$image" "$dir" >/dev/null
echo "sandbox image $image is ready"
