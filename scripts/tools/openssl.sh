#!/usr/bin/env bash
# openssl makes the throwaway certificates of the TLS check tests.
set -euo pipefail
command -v openssl >/dev/null 2>&1 && exit 0
apt-get update -qq && apt-get install -y -qq --no-install-recommends openssl >/dev/null
