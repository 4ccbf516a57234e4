#!/usr/bin/env bash
# Install Prometheus and promtool (Debian's `prometheus` package) when either is
# missing. The metrics tests run `promtool check metrics` and a real Prometheus
# server against podwarden.
set -euo pipefail
if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "prometheus.sh: promtool/prometheus are missing and neither root nor sudo is available" >&2; exit 1; }
  sudo="sudo"
fi
echo "prometheus.sh: installing Debian's prometheus package (promtool, prometheus)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --no-install-recommends keeps node-exporter and friends out; the package's
# service is never started by the tests (they run their own server in a temp dir).
$sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || { echo "prometheus.sh: installing prometheus failed" >&2; exit 1; }
echo "prometheus.sh: installed $(prometheus --version 2>&1 | head -n1)" >&2
