# What sandbox/images/build.sh and deploy/images/build.sh share (sourced by both, never run).
# An image is current when its label autograder.digest equals the digest of its files. A base is built
# from a folder's packages.txt: FROM debian:bookworm-slim (its base.Dockerfile) where a registry is
# reachable, else with mmdebstrap and docker import, the same packages either way.

# digest_of FOLDER FIND-ARGS...: the digest of the files find selects in FOLDER (compiled Python left out).
digest_of() {
  (cd "$1" && shift && find "$@" -type f ! -name '*.pyc' ! -path '*__pycache__*' \
    | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -c1-16)
}

# label_of IMAGE: its autograder.digest label; empty when there is no such image.
label_of() { docker image inspect -f '{{ index .Config.Labels "autograder.digest" }}' "$1" 2>/dev/null || true; }

registry=""
registry_reachable() {  # asked once, and only when a base has to be built
  if [ -z "$registry" ]; then
    if timeout 30 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then registry=yes; else registry=no; fi
  fi
  [ "$registry" = yes ]
}

need_mmdebstrap() {
  command -v mmdebstrap >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
  else
    echo "error: mmdebstrap is needed to build the images offline: install it (apt-get install mmdebstrap)" >&2
    exit 1
  fi
}

# build_base IMAGE FOLDER DIGEST: IMAGE from FOLDER's packages.txt, labelled DIGEST, unless it is current.
build_base() {
  local base=$1 dir=$2 digest=$3 packages rootfs output
  [ "$(label_of "$base")" != "$digest" ] || return 0
  packages=$(grep -v '^#' "$dir/packages.txt" | paste -sd, -)
  if registry_reachable; then
    echo "building $base from debian:bookworm-slim"
    output=$(docker build -q -f "$dir/base.Dockerfile" --label "autograder.digest=$digest" -t "$base" "$dir" 2>&1) \
      || { echo "$output" >&2; return 1; }
    return 0
  fi
  need_mmdebstrap
  echo "no registry reachable: building $base offline with mmdebstrap ($packages)"
  rootfs=$(mktemp --suffix=.tar)
  mmdebstrap --quiet --variant=apt --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$rootfs" || { rm -f "$rootfs"; return 1; }
  docker import --change "LABEL autograder.digest=$digest" "$rootfs" "$base" >/dev/null || { rm -f "$rootfs"; return 1; }
  rm -f "$rootfs"
}
