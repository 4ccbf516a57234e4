#!/usr/bin/env bash
# Install the real tools the test suite uses, when they are missing.
# Each scripts/tools/*.sh installs one tool and is a no-op when it is present.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/tools/bin
for installer in scripts/tools/*.sh; do
  [ -e "$installer" ] || continue
  bash "$installer"
done
