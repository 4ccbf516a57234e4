#!/usr/bin/env bash
# Docker engine for the container tests and `make image`, and debootstrap for
# the local base images (scripts/base-images.sh).
# Installs from Debian only what is missing: docker.io (dockerd, containerd,
# runc, tini and a CLI with BuildKit built in) when no engine answers and no
# daemon binary is installed; debootstrap when absent. No-op otherwise.
# scripts/docker-engine.sh starts a private daemon from it.
set -euo pipefail

packages=()
if ! docker info >/dev/null 2>&1 && ! command -v dockerd >/dev/null 2>&1; then
  packages+=(docker.io)
fi
command -v debootstrap >/dev/null 2>&1 || packages+=(debootstrap)
[ "${#packages[@]}" -gt 0 ] || exit 0

echo "docker.sh: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
