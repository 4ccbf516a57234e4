#!/usr/bin/env bash
# Run the whole test suite. Starts (and stops) the services the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run "$@"
