#!/usr/bin/env bash
# Install wrk (HTTP load generator, used by `make bench`) when it is missing.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "wrk.sh: wrk is missing and neither root nor sudo is available" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends wrk >/dev/null 2>&1; then
  $sudo apt-get update -qq
  $sudo apt-get install -y --no-install-recommends wrk >/dev/null
fi
command -v wrk >/dev/null 2>&1 || { echo "wrk.sh: installing wrk failed" >&2; exit 1; }
echo "wrk.sh: installed $(wrk --version 2>&1 | head -n1)"
