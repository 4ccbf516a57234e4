#!/usr/bin/env bash
# Docker engine for the container tests and `make image`.
# No-op when an engine answers or a daemon binary is installed; otherwise
# installs Debian's docker.io (dockerd, containerd, runc, tini and a CLI with
# BuildKit built in). scripts/docker-engine.sh starts a private daemon from it.
set -euo pipefail

if docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1; then
  exit 0
fi

echo "docker.sh: no Docker engine found; installing docker.io" >&2
export DEBIAN_FRONTEND=noninteractive
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends docker.io >/dev/null
